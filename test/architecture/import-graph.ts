// The runtime import graph of a source tree: what each module loads when it
// runs. Sources are transpiled one by one as tsc would emit them, so
// imports used only as types (erased) are not edges.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** Module path (relative to the root, `.ts`) -> the modules it imports at run time. */
export type ImportGraph = Map<string, string[]>;

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...sources(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The relative specifiers a module's emitted JavaScript imports or re-exports statically. */
function runtimeSpecifiers(code: string): string[] {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
  }).outputText;
  const file = ts.createSourceFile('m.js', js, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const out: string[] = [];
  for (const s of file.statements) {
    if ((ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier && ts.isStringLiteral(s.moduleSpecifier)) {
      out.push(s.moduleSpecifier.text);
    }
  }
  return out.filter((spec) => spec.startsWith('.'));
}

/** The runtime import graph of every `.ts` module under `root`. */
export function importGraph(root: string): ImportGraph {
  const graph: ImportGraph = new Map();
  for (const path of sources(root)) {
    const from = relative(root, path);
    const to = runtimeSpecifiers(readFileSync(path, 'utf8'))
      .map((spec) => relative(root, resolve(dirname(path), spec.replace(/\.js$/, '.ts'))));
    graph.set(from, to);
  }
  return graph;
}

/** The cycles of a graph: each strongly connected component of more than one module, or a module importing itself. */
export function importCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}
