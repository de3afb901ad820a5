/**
 * Just enough Markdown reading for the tests that check what the README and the console guide
 * tell people: sections, fenced code blocks, and the links and images a renderer would make.
 */

/** The text of the section under `heading` (its `#` marks included), up to the next heading of the same or a higher level. */
export const sectionOf = (markdown: string, heading: string): string => {
  const level = /^#+/.exec(heading)?.[0].length ?? 0;
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  if (start < 0 || level === 0) {
    throw new Error(`No section "${heading}"`);
  }
  const next = lines.findIndex(
    (line, index) => index > start && /^#+ /.test(line) && (/^#+/.exec(line)?.[0].length ?? 0) <= level
  );
  return lines.slice(start + 1, next < 0 ? undefined : next).join('\n');
};

/** The fenced code blocks of `markdown`, in order: each one's info string (language) and text. */
export const codeBlocksOf = (markdown: string): Array<{ language: string; code: string }> =>
  [...markdown.matchAll(/^```([^\n`]*)\n([\s\S]*?)^```$/gm)].map(([, language = '', code = '']) => ({
    language: language.trim(),
    code,
  }));

/** `markdown` without fenced code blocks and code spans, whose text no renderer turns into links. */
const withoutCode = (markdown: string) =>
  markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');

/**
 * Every target a Markdown renderer (CommonMark with GitHub's autolinks) would link to or load an
 * image from: inline links and images, reference definitions, `<…>` autolinks, HTML `href` and
 * `src`, and bare `http(s)://` or `www.` addresses.
 */
export const linkTargetsOf = (markdown: string): string[] => {
  const text = withoutCode(markdown);
  const patterns = [
    /!?\[[^\]]*\]\(\s*<?([^\s)>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm,
    /<((?:[a-z][\w+.-]*:|www\.)[^\s>]+)>/gi,
    /\b(?:href|src)\s*=\s*["']?([^"'\s>]+)/gi,
    /(?:^|[\s(])((?:https?:\/\/|www\.)[^\s)<>]+)/gim,
  ];
  return [...new Set(patterns.flatMap((pattern) => [...text.matchAll(pattern)].map(([, target = '']) => target)))];
};
