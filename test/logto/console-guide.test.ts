/**
 * What an operator reads inside Logto's console: the guide (`metadata.readme`, which the loader
 * inlines, see matrix.test.ts, and the console renders as Markdown) and the config form, whose
 * descriptions and placeholders the console shows as plain text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { repoRoot } from '../../scripts/cache-install.mjs';
import { metadata } from '../../src/metadata.js';
import { linkTargetsOf, sectionOf } from './markdown.js';
import { logtoReleases } from './releases.js';

let guide: string;
let readme: string;

beforeAll(async () => {
  [guide, readme] = await Promise.all([readFile(path.join(repoRoot, 'CONSOLE-GUIDE.md'), 'utf8'), readFile(path.join(repoRoot, 'README.md'), 'utf8')]);
});

describe('the console guide', () => {
  it('links nothing and shows no image: the console shows it away from the package and its repository', () => {
    expect(linkTargetsOf(guide)).toEqual([]);
  });

  it.each([
    ["the sign-in page's", '${ENDPOINT}/callback/${connectorId}'],
    ["the Account Center's", '${ENDPOINT}/account/callback/social/${connectorId}'],
  ])('gives %s callback URL', (_page, url) => {
    expect(guide).toContain(url);
  });

  it.each(metadata.formItems.map(({ key, label }) => [key, label]))('describes the field %s (%s)', (key, label) => {
    expect(guide).toContain(`${label} (\`${key}\`)`);
  });

  // Defaults as Hugging Face's and Logto's facts give them: scope `profile`, the public hub, 5 s.
  it.each([
    ['scope', '`profile`'],
    ['hubUrl', '`https://huggingface.co`'],
    ['requestTimeoutMs', '`5000`'],
  ])('states the default of %s: %s', (key, value) => {
    expect(guide.split('\n').find((line) => line.includes(`(\`${key}\`)`))).toContain(value);
  });

  it.each(['## 3. Scopes', '## 5. Token storage'])('has the section %s', (heading) => {
    expect(sectionOf(guide, heading).trim()).not.toBe('');
  });

  it('explains which organization entries match an ID and which a name', () => {
    const rule = sectionOf(guide, '## 4. Organization rule');
    expect(rule).toMatch(/24 hexadecimal characters is an organization ID/);
    expect(rule).toMatch(/any other entry is an organization name/);
  });

  it('states the Node.js version Logto needs', () => {
    expect(sectionOf(guide, '## 7. Supported Logto releases')).toContain('Node.js 22.14');
  });

  it.each(['invalid_config', 'authorization_failed', 'social_invalid_id_token', 'general'])('helps with the error code %s', (code) => {
    expect(sectionOf(guide, '## 8. Troubleshooting')).toContain(`| \`${code}\` |`);
  });
});

describe.each(logtoReleases.map(({ releases }) => releases))('Logto %s', (releases) => {
  it('is listed as supported by the console guide and the README', () => {
    expect(sectionOf(guide, '## 7. Supported Logto releases')).toContain(`| ${releases} |`);
    expect(sectionOf(readme, '## Install into Logto')).toContain(`| ${releases} |`);
  });
});

describe('the console form', () => {
  it.each(metadata.formItems.map((item) => [item.key, item]))('describes %s in plain text, without Markdown', (_key, item) => {
    expect(`${item.description}\n${item.placeholder}\n${item.label}`).not.toMatch(/`|\*\*|__|\[[^\]]*\]\(|^#|^\s*[-*] /m);
  });

  it('shows the scope an empty field means, profile, as the scope placeholder', () => {
    expect(metadata.formItems.find(({ key }) => key === 'scope')?.placeholder ?? '').toMatch(/^(?:profile)?$/);
  });

  it('gives the timeout bounds the config accepts', () => {
    expect(metadata.formItems.find(({ key }) => key === 'requestTimeoutMs')?.description).toContain('500 to 30000');
  });
});
