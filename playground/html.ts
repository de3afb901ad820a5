/**
 * The page frame of the playground.
 */
import { escapeHtml } from '../stand-in/index.js';

const styles = `
  :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
  body { margin: 0; background: #f6f7f9; color: #191c1d; }
  main { display: flex; flex-wrap: wrap; gap: 24px; justify-content: center; align-items: flex-start; padding: 40px 16px; }
  .card { background: #fff; border-radius: 16px; box-shadow: 0 4px 24px rgb(0 0 0 / 8%); padding: 32px; width: 100%; max-width: 400px; box-sizing: border-box; }
  .card.wide { max-width: 760px; }
  h1 { font-size: 22px; margin: 0 0 8px; }
  h2 { font-size: 16px; margin: 24px 0 8px; }
  p.sub { color: #5d6064; margin: 0 0 24px; }
  .social { display: flex; align-items: center; justify-content: center; gap: 12px; width: 100%; height: 44px; border: 1px solid #c4c7c7; border-radius: 8px; background: #fff; font-size: 16px; font-weight: 600; cursor: pointer; color: inherit; text-decoration: none; }
  .social:hover { background: #f3effa; }
  .social img { width: 24px; height: 24px; }
  label { display: block; font-weight: 600; font-size: 14px; margin: 16px 0 4px; }
  .description { color: #5d6064; font-size: 12px; margin: 4px 0 0; }
  input:read-only, textarea:read-only { background: #f3f4f6; color: #5d6064; }
  .actions { display: flex; gap: 12px; align-items: center; }
  .secondary { margin-top: 20px; height: 40px; padding: 0 16px; border: 1px solid #c4c7c7; border-radius: 8px; background: #fff; color: inherit; font-weight: 600; cursor: pointer; }
  input, textarea { width: 100%; box-sizing: border-box; border: 1px solid #c4c7c7; border-radius: 8px; padding: 8px 10px; font: inherit; font-size: 14px; }
  textarea { min-height: 64px; }
  .primary { margin-top: 20px; height: 40px; padding: 0 20px; border: 0; border-radius: 8px; background: #5d34f2; color: #fff; font-weight: 600; cursor: pointer; }
  .error { background: #fdecea; border: 1px solid #f5c2bd; border-radius: 8px; padding: 12px; color: #8c1d18; white-space: pre-wrap; }
  .ok { background: #e8f5e9; border: 1px solid #b7dfb9; border-radius: 8px; padding: 12px; color: #1b5e20; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #eceff1; vertical-align: top; }
  th { width: 180px; color: #5d6064; font-weight: 600; }
  pre { background: #f3f4f6; border-radius: 8px; padding: 12px; overflow: auto; font-size: 12px; }
  .avatar { width: 64px; height: 64px; border-radius: 50%; background: #eee; }
  .mode { font-size: 12px; color: #5d6064; }
  code { font-size: 13px; }
`;

/**
 * Wraps a page body in the playground's HTML frame.
 *
 * @param title - The document title (escaped here).
 * @param body - Trusted HTML built with {@link escapeHtml}.
 */
export const page = (title: string, body: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<style>${styles}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
