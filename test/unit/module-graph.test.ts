/**
 * The modules of `src/` import one another without a circle, type imports included: each module
 * sits on a floor, and none reaches a floor above its own.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

const sourceRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Every `.ts` file under `src/`, as a path relative to it (`migrate/cli.ts`). */
const sourceFiles = (readdirSync(sourceRoot, { recursive: true, encoding: 'utf8' }))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.split(path.sep).join('/'));

/** Relative specifiers of `import … from`, `import type … from`, `export … from` and `import '…'`. */
const importSpecifier = /^\s*(?:import|export)\b[^;'"]*?['"](\.{1,2}\/[^'"]+)['"]/gm;

/** The modules a file imports, as paths relative to `src/` (`./config.js` → `config.ts`). */
const importsOf = (file: string): string[] => {
  const text = readFileSync(path.join(sourceRoot, file), 'utf8');
  return [...text.matchAll(importSpecifier)].map(([, specifier = '']) =>
    path.posix.join(path.posix.dirname(file), specifier).replace(/\.js$/, '.ts')
  );
};

/** Every circle of the import graph, each as the path that closes it (`a.ts → b.ts → a.ts`). */
const importCircles = (graph: ReadonlyMap<string, readonly string[]>): string[] => {
  const circles: string[] = [];
  const finished = new Set<string>();
  const visit = (file: string, trail: readonly string[]) => {
    const start = trail.indexOf(file);
    if (start !== -1) {
      circles.push([...trail.slice(start), file].join(' → '));
      return;
    }
    if (finished.has(file)) {
      return;
    }
    for (const imported of graph.get(file) ?? []) {
      visit(imported, [...trail, file]);
    }
    finished.add(file);
  };
  for (const file of graph.keys()) {
    visit(file, []);
  }
  return circles;
};

describe('the import graph of src/', () => {
  const graph = new Map(sourceFiles.map((file) => [file, importsOf(file)]));

  it('reads the imports it checks, type imports included', () => {
    expect(graph.get('sign-in.ts')).toEqual(expect.arrayContaining(['config.ts', 'userinfo.ts']));
    expect(graph.get('migrate/plan.ts')).toEqual(expect.arrayContaining(['config.ts']));
    for (const imported of [...graph.values()].flat()) {
      expect(sourceFiles).toContain(imported);
    }
  });

  it('has no import circle', () => {
    expect(importCircles(graph)).toEqual([]);
  });
});
