import type { CheckStatus, DoctorEnv } from './check.js';

/** The troubleshooting page online; the package ships the same page as `docs/troubleshooting.md`. */
export const TROUBLESHOOTING_URL = 'https://github.com/vrdma/vrdma/blob/main/docs/troubleshooting.md';

/** The link to one section of the troubleshooting page (`anchor` as Markdown renders the heading). */
export function troubleshootingLink(anchor: string): string {
  return `${TROUBLESHOOTING_URL}#${anchor}`;
}

/**
 * How a missing piece of the native provider counts: `fail` when the user
 * requires the native provider (`--require native`), else `off`.
 */
export function nativeMissing(env: DoctorEnv): CheckStatus {
  return env.require === 'native' ? 'fail' : 'off';
}
