import type { BoundaryRow } from '../boundary/suite.js';
import { fixed } from './format.js';
import type { TargetReport } from './targets.js';

/** The row whose figures the boundary targets are judged on: the native provider's JavaScript side. */
const JS_SIDE = 'native, JS side';

/** Judge the cost-of-posting targets on this run's boundary figures (report only, never assert). */
export function judgeBoundaryTargets(rows: readonly BoundaryRow[]): TargetReport[] {
  const row = rows.find((r) => r.label === JS_SIDE);
  const at = (batch: number): BoundaryRow['figures'][number] | undefined => row?.figures.find((f) => f.batch === batch);
  const out: TargetReport[] = [];
  const judge = (id: string, goal: string, value: number | undefined, limit: number, what: string): void => {
    if (value === undefined) out.push({ id, goal, verdict: 'n/a', detail: 'boundary figures not measured', limit });
    else out.push({ id, goal, verdict: value <= limit ? 'PASS' : 'MISS', value, limit, detail: `${fixed(value, 1)} ns ${what} (${JS_SIDE}, CPU time)` });
  };
  judge('post-poll-16', 'JS cost of post+poll <= 50 ns per work request at batch 16', at(16)?.postPollNs, 50, 'per WR');
  judge('prepared-16', 'JS cost of a prepared post+poll <= 25 ns per work request at batch 16', at(16)?.preparedPostPollNs ?? undefined, 25, 'per WR');
  judge('prepared-1', 'JS cost of one prepared request, post+poll, <= 150 ns', at(1)?.preparedPostPollNs ?? undefined, 150, 'per post');
  return out;
}
