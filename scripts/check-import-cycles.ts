// Fails when runtime imports under src/ form a cycle (CONVENTIONS.md §E asks for no-cycle).
// eslint-plugin-import-x would do this, but its native resolver ships per-platform binaries
// our npm registry mirror does not carry, which breaks `npm ci`; the TypeScript parser we
// already depend on is enough to read import declarations.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function listTypeScriptFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listTypeScriptFiles(full);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Relative imports that exist at runtime (type-only imports are erased and cannot cycle). */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const targets: string[] = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement);
    const isExport = ts.isExportDeclaration(statement);
    if (!isImport && !isExport) continue;
    if (isImport && statement.importClause?.phaseModifier === ts.SyntaxKind.TypeKeyword) continue;
    if (isExport && statement.isTypeOnly) continue;
    const specifier = statement.moduleSpecifier;
    if (specifier === undefined || !ts.isStringLiteral(specifier)) continue;
    if (!specifier.text.startsWith('.')) continue;
    const resolved = path.resolve(path.dirname(file), specifier.text).replace(/\.js$/, '.ts');
    targets.push(resolved);
  }
  return targets;
}

/** Tarjan's strongly connected components; every component larger than one file is a cycle. */
function findCycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];

  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) cycles.push(component);
    }
  };

  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const graph = new Map<string, string[]>();
for (const file of listTypeScriptFiles(path.join(root, 'src')))
  graph.set(file, runtimeImports(file));

const cycles = findCycles(graph);
if (cycles.length > 0) {
  for (const cycle of cycles) {
    const names = cycle.map((file) => path.relative(root, file)).sort();
    console.error(`import cycle: ${names.join(' <-> ')}`);
  }
  console.error(
    `${cycles.length} import cycle(s) under src/; break them (move shared types down).`,
  );
  process.exitCode = 1;
} else {
  console.log(`import cycles: none among ${graph.size} files under src/`);
}
