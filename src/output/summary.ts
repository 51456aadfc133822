// CI summaries: a markdown table for GITHUB_STEP_SUMMARY and ::error annotations for failures.
import { appendFileSync } from 'node:fs';

export interface SummaryRow {
  line?: number;
  path: string;
  model: string;
  size: string;
  costUsd?: number;
  status: string;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** The markdown table of a run's outputs; `note` (an offline run's "nothing was billed") goes under it. */
export function summaryMarkdown(title: string, rows: SummaryRow[], note?: string): string {
  const total = rows.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
  const lines = [
    `### ${title}`,
    '',
    '| path | model | size | cost | status |',
    '|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${cell(r.path)} | ${cell(r.model)} | ${cell(r.size)} | ${r.costUsd === undefined ? '' : `$${r.costUsd.toFixed(4)}`} | ${cell(r.status)} |`,
    ),
    '',
  ];
  if (total > 0) lines.push(`Estimated cost: $${total.toFixed(4)}`, '');
  if (note) lines.push(note, '');
  return `${lines.join('\n')}\n`;
}

/**
 * The line under a batch's table that points at its gallery. The batch step cannot know the
 * artifact's own address (it is uploaded by a later step), so it links to the run's artifacts.
 */
export function galleryMarkdown(path: string, images: number, env: Record<string, string | undefined>): string {
  const line = `**Gallery:** \`${path.replace(/`/g, "'")}\`, ${images} image${images === 1 ? '' : 's'}.`;
  const { GITHUB_SERVER_URL: server = 'https://github.com', GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: run } = env;
  const where =
    repo && run
      ? ` Uploaded with actions/upload-artifact, it is listed with [this run's artifacts](${server}/${repo}/actions/runs/${run}#artifacts).`
      : '';
  return `${line}${where}\n\n`;
}

/** A GitHub Actions workflow command; newlines and % are escaped as the runner requires. */
export function errorAnnotation(message: string, title = 'imgcli'): string {
  const escape = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  return `::error title=${escape(title).replace(/[:,]/g, ' ')}::${escape(message)}\n`;
}

/** Appends to the file GitHub Actions names in GITHUB_STEP_SUMMARY; a no-op elsewhere. */
export function appendStepSummary(env: Record<string, string | undefined>, markdown: string): boolean {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return false;
  appendFileSync(path, markdown);
  return true;
}
