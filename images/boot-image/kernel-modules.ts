// Kernel modules for a boot image: the closure of the wanted modules over the kernel's modules.dep,
// and the subset of modules.dep / modules.alias that busybox modprobe needs to load them by device.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

/** Module names compare with "-" and "_" as equal, as the kernel does (nvme-core.ko is nvme_core). */
export function moduleName(pathOrName: string): string {
  return basename(pathOrName).replace(/\.ko(\.\w+)?$/, '').replaceAll('-', '_');
}

export interface ModuleTree {
  /** Relative path (as in modules.dep) of each module by name. */
  paths: Map<string, string>;
  /** Direct dependencies (relative paths) of each module path. */
  deps: Map<string, string[]>;
  aliasLines: string[];
}

export async function readModuleTree(modulesDir: string): Promise<ModuleTree> {
  const dep = await readFile(join(modulesDir, 'modules.dep'), 'utf8');
  const paths = new Map<string, string>();
  const deps = new Map<string, string[]>();
  for (const line of dep.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon);
    paths.set(moduleName(path), path);
    deps.set(path, line.slice(colon + 1).trim().split(/\s+/).filter(Boolean));
  }
  const aliasLines = (await readFile(join(modulesDir, 'modules.alias'), 'utf8')).split('\n').filter((l) => l.startsWith('alias '));
  return { paths, deps, aliasLines };
}

export interface ModuleSelection {
  /** Relative paths of every module to include, the wanted ones and all they depend on. */
  paths: string[];
  modulesDep: string;
  modulesAlias: string;
}

/** Throws a plain Error naming a module the kernel does not have; callers turn it into their own error. */
export function selectModules(tree: ModuleTree, wanted: readonly string[]): ModuleSelection {
  const chosen = new Set<string>();
  const visit = (path: string): void => {
    if (chosen.has(path)) return;
    chosen.add(path);
    for (const d of tree.deps.get(path) ?? []) visit(d);
  };
  for (const name of wanted) {
    const path = tree.paths.get(moduleName(name));
    if (!path) throw new Error(`kernel module "${name}" is not in this kernel's modules.dep`);
    visit(path);
  }
  const paths = [...chosen].sort();
  const names = new Set(paths.map(moduleName));
  const modulesDep = paths.map((p) => `${p}: ${(tree.deps.get(p) ?? []).join(' ')}`.trimEnd()).join('\n');
  const modulesAlias = tree.aliasLines.filter((l) => names.has(moduleName(l.slice(l.lastIndexOf(' ') + 1)))).join('\n');
  return { paths, modulesDep: `${modulesDep}\n`, modulesAlias: `${modulesAlias}\n` };
}
