/**
 * Runs an `Agent` in a worker thread (commands over `parentPort`) or in a
 * child process (commands over the IPC channel). Answers `{ ready: true }`
 * once it listens.
 */
import { isMainThread, parentPort } from 'node:worker_threads';
import { Agent } from './agent.js';
import type { AgentCommand, AgentReply } from './protocol.js';

const agent = new Agent();
const reply: (r: AgentReply | { ready: true }) => void = isMainThread
  ? (r) => { process.send!(r); }
  : (r) => { parentPort!.postMessage(r); };

function onCommand(cmd: AgentCommand): void {
  agent.run(cmd.op, cmd.args as never).then(
    (value) => reply({ id: cmd.id, ok: true, value }),
    (err: unknown) => reply({ id: cmd.id, ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }),
  );
}

if (isMainThread) {
  process.on('message', (m) => onCommand(m as AgentCommand));
  process.on('disconnect', () => process.exit(0));
} else {
  parentPort!.on('message', onCommand);
}
reply({ ready: true });
