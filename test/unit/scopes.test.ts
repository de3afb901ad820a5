/**
 * Scope texts as an admin types them and Logto passes them: scopes separated by white space
 * (RFC 6749 §3.3), each known to Hugging Face or listed in the config's `extraScopes`.
 */
import { describe, expect, it } from 'vitest';

import { parseExtraScopes, parseScopes } from '../../src/scopes.js';

// Hugging Face's documented scopes (hub-docs oauth.md, August 2026), then read-mcp, which its own
// MCP server requests.
const knownScopeList =
  'openid, profile, email, read-billing, read-memberships, read-repos, gated-repos, contribute-repos, write-repos, manage-repos, read-collections, write-collections, inference-api, read-endpoints, write-endpoints, jobs, webhooks, write-discussions, read-mcp';

const unknownScope = (scope: string) =>
  `Unknown Hugging Face scope "${scope}". Known scopes: ${knownScopeList}. For a scope Hugging Face added after this release, list it in extraScopes too.`;

const misshapen = (quoted: string) =>
  `${quoted} is not shaped like a Hugging Face scope: lower-case letters and digits in words joined by single hyphens, starting with a letter, at most 64 characters (for example read-mcp).`;

describe('the scopes to request', () => {
  it.each([
    ['separated by spaces, tabs and line breaks', ' openid\tprofile \n email ', [], ['openid', 'profile', 'email']],
    ["with read-mcp, which Hugging Face's own MCP server requests", 'profile read-mcp', [], ['profile', 'read-mcp']],
    ['with a scope extraScopes lists', 'profile read-papers', ['read-papers'], ['profile', 'read-papers']],
  ])('are read %s', (_case, text, extraScopes, scopes) => {
    expect(parseScopes(text, extraScopes)).toEqual({ scopes });
  });

  it.each([
    ['profile,email', [], `Scopes are separated by spaces, not commas: "profile,email". Known scopes: ${knownScopeList}.`],
    ['openid profile openid', [], 'The scope "openid" is listed more than once.'],
    ['openid profle', [], unknownScope('profle')],
    ['profle read-papers', ['read-papers'], unknownScope('profle')],
    ['profile read-paper', ['read-papers'], unknownScope('read-paper')],
  ])('refuse "%s" (extraScopes %j)', (text, extraScopes, problem) => {
    expect(parseScopes(text, extraScopes)).toEqual({ problem });
  });
});

describe('the extra scopes', () => {
  it.each([
    ['of up to 64 characters', `x read-${'p'.repeat(59)} read2-v2-papers`, ['x', `read-${'p'.repeat(59)}`, 'read2-v2-papers']],
    ['on lines of their own', ' read-papers\nwrite-papers ', ['read-papers', 'write-papers']],
    ['naming a known scope, so a release that learns it keeps the config valid', 'profile read-mcp', ['profile', 'read-mcp']],
  ])('are read %s', (_case, text, scopes) => {
    expect(parseExtraScopes(text)).toEqual({ scopes });
  });

  it.each([
    ['with an underscore and capitals', 'Read_Papers', misshapen('"Read_Papers"')],
    ['with a leading hyphen', '-read-papers', misshapen('"-read-papers"')],
    ['with a trailing hyphen', 'read-papers-', misshapen('"read-papers-"')],
    ['with a double hyphen', 'read--papers', misshapen('"read--papers"')],
    ['starting with a digit', '2fa', misshapen('"2fa"')],
    ['with a non-ASCII letter', 'r\u00E9ad-papers', misshapen('"r\u00E9ad-papers"')],
    ['with a colon', 'read:papers', misshapen('"read:papers"')],
    ['of 65 characters', `read-${'p'.repeat(60)}`, misshapen(`"read-${'p'.repeat(55)}…"`)],
    ['separated by a comma', 'read-papers,read-mcp', `Scopes are separated by spaces, not commas: "read-papers,read-mcp". Known scopes: ${knownScopeList}.`],
    ['listed twice', 'read-mcp read-mcp', 'The scope "read-mcp" is listed more than once.'],
  ])('refuse one %s', (_case, text, problem) => {
    expect(parseExtraScopes(`read-mcp ${text}`)).toEqual({ problem });
  });
});
