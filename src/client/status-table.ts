// `raftkv status`: one row per endpoint, like `etcdctl endpoint status -w table`.
import type { EndpointStatus } from './client.js';

export const STATUS_HEADERS = ['ENDPOINT', 'ID', 'ROLE', 'TERM', 'LAST INDEX', 'COMMIT', 'APPLIED', 'LAG', 'LEADER', 'ERROR'] as const;

export function statusRows(statuses: readonly EndpointStatus[]): string[][] {
  const leader = statuses.find((s) => s.status?.state === 'leader')?.status;
  return statuses.map(({ endpoint, status, error }) => {
    if (!status) return [endpoint, '', '', '', '', '', '', '', '', error ? `${error.code}: ${error.message}` : 'no answer'];
    // The leader's own replication view when it reports one, else how far this node's applied index trails the leader's commit.
    const reported = leader?.members?.find((m) => m.id === status.nodeId)?.lag;
    const lag = reported ?? (leader ? Math.max(0, leader.commitIndex - status.lastApplied) : undefined);
    return [
      endpoint, status.nodeId, status.state, String(status.term), String(status.lastIndex ?? status.logLength),
      String(status.commitIndex), String(status.lastApplied), lag === undefined ? '' : String(lag), status.leaderId ?? '', '',
    ];
  });
}

export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: readonly string[]): string => '|' + widths.map((w, i) => ` ${(cells[i] ?? '').padEnd(w)} `).join('|') + '|';
  return [rule, line(headers), rule, ...rows.map(line), rule].join('\n') + '\n';
}
