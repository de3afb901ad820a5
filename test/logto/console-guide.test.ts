/**
 * What an operator reads inside Logto's console: the guide (`metadata.readme`, inlined as text
 * by the loader and rendered as Markdown) and the config form, whose descriptions and
 * placeholders the console shows as plain text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { metadata } from '../../src/metadata.js';
import { sectionOf, linkTargetsOf } from './markdown.js';
import { packPackage, type PackedPackage, releasePackedPackage, repoRoot } from './pack.js';
import { logtoReleases } from './releases.js';

let packed: PackedPackage;
let guide: string;

beforeAll(async () => {
  packed = await packPackage();
  guide = await readFile(path.join(packed.packageDirectory, metadata.readme), 'utf8');
});

afterAll(async () => {
  await releasePackedPackage();
});

/** A link target that is a file of the package: relative, without a scheme, inside `package/`. */
const packagedFile = (target: string) => {
  if (/^[a-z][\w+.-]*:|^\/\/|^www\./i.test(target) || target.startsWith('#')) {
    return undefined;
  }
  const file = path.posix.normalize(`package/${target.split(/[#?]/)[0] ?? ''}`);
  return file.startsWith('package/') ? file : undefined;
};

describe('the console guide', () => {
  it('is its own file in the package, not the repository README', () => {
    expect(path.posix.normalize(metadata.readme)).not.toBe('README.md');
    expect(packed.entries).toContain(path.posix.normalize(`package/${metadata.readme}`));
  });

  it('links to nothing and shows no image that the package does not contain', () => {
    const missing = linkTargetsOf(guide).filter((target) => {
      const file = packagedFile(target);
      return !file || !packed.entries.includes(file);
    });
    expect(missing).toEqual([]);
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
    const row = guide.split('\n').find((line) => line.includes(`(\`${key}\`)`));
    expect(row).toContain(value);
  });

  it.each(['## 3. Scopes', '## 4. Organization rule', '## 5. Token storage', '## 8. Troubleshooting'])(
    'has the section %s',
    (heading) => {
      expect(sectionOf(guide, heading).trim()).not.toBe('');
    }
  );

  it('explains which organization entries match an ID and which a name', () => {
    const rule = sectionOf(guide, '## 4. Organization rule');
    expect(rule).toMatch(/24 hexadecimal characters is an organization ID/);
    expect(rule).toMatch(/any other entry is an organization name/);
  });

  it.each(logtoReleases.map(({ releases }) => releases))('lists Logto %s as supported', (releases) => {
    expect(sectionOf(guide, '## 7. Supported Logto releases')).toContain(`| ${releases} |`);
  });

  it('states the Node.js version Logto needs', () => {
    expect(sectionOf(guide, '## 7. Supported Logto releases')).toContain('Node.js 22.14');
  });

  it.each(['invalid_config', 'authorization_failed', 'social_invalid_id_token', 'general'])(
    'helps with the error code %s',
    (code) => {
      expect(sectionOf(guide, '## 8. Troubleshooting')).toContain(`| \`${code}\` |`);
    }
  );
});

describe('the console form', () => {
  const markdown = /`|\*\*|__|\[[^\]]*\]\(|^#|^\s*[-*] /m;

  it.each(metadata.formItems.map((item) => [item.key, item]))(
    'describes %s in plain text, without Markdown',
    (_key, item) => {
      expect(`${item.description}\n${item.placeholder}\n${item.label}`).not.toMatch(markdown);
    }
  );

  it('shows the scope an empty field means, profile, as the scope placeholder', () => {
    const scope = metadata.formItems.find(({ key }) => key === 'scope');
    expect(scope?.placeholder ?? '').toMatch(/^(?:profile)?$/);
  });

  it('gives the timeout bounds the config accepts', () => {
    const timeout = metadata.formItems.find(({ key }) => key === 'requestTimeoutMs');
    expect(timeout?.description).toContain('500 to 30000');
  });
});

describe('the README', () => {
  it.each(logtoReleases.map(({ releases }) => releases))('lists Logto %s as supported', async (releases) => {
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    expect(sectionOf(readme, '## Install into Logto')).toContain(`| ${releases} |`);
  });
});
