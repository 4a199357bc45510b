/**
 * The native provider (libibverbs through the C++ addon). See docs/native.md.
 */
export { nativeProvider, nativeAddon, transportName } from './provider.js';
export { loadAddon, loadAddonFrom, addonCandidates, describeLoadError, LAYOUT_VERSION, type AddonLoad } from './addon.js';
export { chooseGid, isIpv4MappedGid, isLinkLocalGid, type GidChoice } from './gid.js';
