/**
 * Hints for connector errors, read from the README's troubleshooting table so the playground and
 * the documentation never disagree.
 */
import { readFileSync } from 'node:fs';

/** One row of the troubleshooting table. */
export type TroubleshootingRow = { code: string; messageStart: string; cause: string; fix: string };

const cell = (text: string) => text.trim().replaceAll('`', '');

/**
 * Parses the `## Troubleshooting` table of a README.
 *
 * @param readme - The README's text.
 */
export const parseTroubleshootingTable = (readme: string): TroubleshootingRow[] => {
  const section = readme.split(/^## Troubleshooting$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|').slice(1, -1).map(cell))
    .filter((cells) => cells.length === 4)
    .map(([code = '', messageStart = '', cause = '', fix = '']) => ({
      code,
      messageStart: messageStart.replace(/^…\s*/, ''),
      cause,
      fix,
    }));
};

/**
 * Finds the row for an error: same code, and the message contains the row's message start
 * (ignoring the `…` placeholders); the first row of the code otherwise.
 */
export const findHint = (
  rows: readonly TroubleshootingRow[],
  code: string,
  message: string
): TroubleshootingRow | undefined => {
  const sameCode = rows.filter((row) => row.code === code);
  const matches = (row: TroubleshootingRow) =>
    row.messageStart.split('…').every((part) => message.includes(part.trim()));
  return sameCode.find((row) => matches(row)) ?? sameCode[0];
};

/** Loads the table from a README file. */
export const loadTroubleshooting = (readmePath: string): TroubleshootingRow[] =>
  parseTroubleshootingTable(readFileSync(readmePath, 'utf8'));
