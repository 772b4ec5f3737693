// What Apply Windows Settings, Apply Network Settings and Join Domain leave on the target: the
// answer file Windows setup reads (Windows\Panther\unattend.xml) and, for the lab's registry
// look-ups, the same values as "kind\name=value" lines (Windows\Panther\osdlab-settings.txt).
import type { SettingsRequest } from '../../../harness/index.js';

export const SETTINGS_FILE = 'Windows/Panther/osdlab-settings.txt';
export const UNATTEND_FILE = 'Windows/Panther/unattend.xml';

/** Settings as stored: kind\name (lower case) → value; later writes win. */
export type StoredSettings = Map<string, string>;

export function parseSettings(lines: string[]): StoredSettings {
  const out: StoredSettings = new Map();
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

export function mergeSettings(stored: StoredSettings, request: SettingsRequest): StoredSettings {
  const out = new Map(stored);
  for (const [k, v] of Object.entries(request.settings)) out.set(`${request.kind}\\${k.toLowerCase()}`, v.replace(/[\r\n]/g, ' '));
  return out;
}

export function formatSettings(settings: StoredSettings): string {
  return [...settings].map(([k, v]) => `${k}=${v}`).join('\n') + '\n';
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The unattend.xml equivalent: one component per settings kind, each value an element. */
export function unattendXml(settings: StoredSettings): string {
  const byKind = new Map<string, [string, string][]>();
  for (const [key, value] of settings) {
    const [kind, name] = key.split('\\') as [string, string];
    byKind.set(kind, [...(byKind.get(kind) ?? []), [name, value]]);
  }
  const components = [...byKind].map(([kind, values]) =>
    [`    <component name="osdlab-${xml(kind)}">`, ...values.map(([n, v]) => `      <setting name="${xml(n)}">${xml(v)}</setting>`), '    </component>'].join('\n'));
  return ['<?xml version="1.0" encoding="utf-8"?>', '<unattend xmlns="urn:schemas-microsoft-com:unattend">', '  <settings pass="specialize">', ...components, '  </settings>', '</unattend>', ''].join('\n');
}

/** registryValue's key for a settings value: "settings\windows\osdcomputername" → windows\osdcomputername. */
export function settingsKey(keyPath: string, value: string): string | undefined {
  const m = /^settings\\([^\\]+)$/i.exec(keyPath);
  return m ? `${m[1]!.toLowerCase()}\\${value.toLowerCase()}` : undefined;
}
