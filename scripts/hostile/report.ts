import { ISSUE_SAW, type Verdict } from './findings.js';

export interface FindingRow {
  finding: number;
  requests: string;
  verdict: Verdict;
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

/** One Markdown row per finding, in the issue's order: what it saw, what was sent, what it gives now, pass or fail. */
export function renderFindings(rows: readonly FindingRow[]): string {
  const lines = ['| # | the issue saw | request(s) made | now | demand |', '| - | - | - | - | - |'];
  for (const row of [...rows].sort((a, b) => a.finding - b.finding)) {
    lines.push(
      `| ${row.finding} | ${cell(ISSUE_SAW[row.finding] ?? '')} | ${cell(row.requests)} | ${cell(row.verdict.now)} | ${row.verdict.pass ? 'pass' : '**FAIL**'} |`,
    );
  }
  return lines.join('\n');
}
