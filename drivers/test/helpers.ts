import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseScenario, type Scenario } from '../../scenarios/index.js';
import { parseInf, type CatalogDriver } from '../index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const VIRTIO = `${FIXTURES}virtio-win/`;
export const LAB = `${FIXTURES}lab/`;

/** An INF written in the test, with the lines given; [Version] is added unless the text has one. */
export function infText(body: string, driverVer = '01/01/2020,1.0.0.0'): string {
  return body.includes('[Version]') ? body : `[Version]\nSignature="$Windows NT$"\nClass=Net\nClassGUID={4d36e972-e325-11ce-bfc1-08002be10318}\nProvider=Test\nDriverVer=${driverVer}\n${body}`;
}

export function catalogDriver(text: string, file: string, extra: Partial<CatalogDriver> = {}): CatalogDriver {
  const inf = parseInf(Buffer.from(text, 'utf8'), file);
  return { id: file, name: file, inf, signed: true, signature: 'signed (test)', enabled: true, categories: [], ...extra };
}

/** A one-line models section for a NIC INF, decorated for both architectures. */
export function nicInf(file: string, modelLine: string, options: { driverVer?: string; featureScore?: string } = {}): string {
  return infText(
    `[Manufacturer]\n%Mfg%=Models,NTx86,NTamd64\n[Models.NTx86]\n${modelLine}\n[Models.NTamd64]\n${modelLine}\n` +
      `[Install]\n${options.featureScore ? `FeatureScore=${options.featureScore}\n` : ''}[Strings]\nMfg="Test ${file}"\nDesc="Test NIC ${file}"\n`,
    options.driverVer,
  );
}

/** A virtio-net machine from boot media whose boot image's driver list decides whether Windows PE has network. */
export const NIC_SCENARIO = `${FIXTURES}scenarios/boot-image-nic.yaml`;

/** The NIC scenario with another boot-image driver list, and more driver packages when given (YAML list items). */
export async function nicScenario(drivers = '[viostor.inf]', extraPackages = ''): Promise<Scenario> {
  let text = (await readFile(NIC_SCENARIO, 'utf8')).replace('drivers: [viostor.inf]', `drivers: ${drivers}`);
  if (extraPackages) text = text.replace('  driverPackages:\n', `  driverPackages:\n${extraPackages}`);
  return parseScenario(NIC_SCENARIO, text);
}
