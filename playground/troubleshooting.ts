/**
 * Hints for connector errors, read from the README's troubleshooting table so the playground and
 * the documentation never disagree.
 */
import { readFileSync } from 'node:fs';

/** One row of the troubleshooting table. */
export type TroubleshootingRow = {
  /** What the user sees: Logto's generic text for the code. */
  userSees: string;
  /** The connector-kit code (`invalid_config`), as the table's `connector.invalid_config`. */
  code: string;
  /** How the connector's message starts; `…` stands for a part that varies. */
  messageStart: string;
  /** Why it happens. */
  cause: string;
  /** What the operator or the user does about it. */
  fix: string;
};

const cellsOf = (line: string) =>
  line
    .split('|')
    .slice(1, -1)
    .map((text) => text.trim().replaceAll('`', ''));

/**
 * Parses the first table of a README's `## Troubleshooting` section, locating each column by
 * its header (the user sees, code, message, cause, fix).
 *
 * @param readme - The README's text.
 * @returns The rows; none when the section or one of the columns is missing.
 */
export const parseTroubleshootingTable = (readme: string): TroubleshootingRow[] => {
  const section = readme.split(/^## Troubleshooting$/m)[1]?.split(/^## /m)[0] ?? '';
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  const [header = '', separator = '', ...body] =
    start < 0 ? [] : lines.slice(start, end < 0 ? undefined : end);
  const headers = cellsOf(header).map((text) => text.toLowerCase());
  const columnOf = (word: string) => headers.findIndex((text) => text.includes(word));
  const column = {
    userSees: columnOf('sees'),
    code: columnOf('code'),
    messageStart: columnOf('message'),
    cause: columnOf('cause'),
    fix: columnOf('fix'),
  };
  if (!/^\|[\s:|-]+\|$/.test(separator) || Object.values(column).some((index) => index < 0)) {
    return [];
  }
  return body
    .map(cellsOf)
    .filter((cells) => cells.length === headers.length)
    .map((cells) => ({
      userSees: cells[column.userSees] ?? '',
      code: (cells[column.code] ?? '').replace(/^connector\./, ''),
      messageStart: (cells[column.messageStart] ?? '').replace(/^…\s*/, ''),
      cause: cells[column.cause] ?? '',
      fix: cells[column.fix] ?? '',
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
