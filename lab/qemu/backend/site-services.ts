// The site servers of one QEMU lab run, inside the run's namespace, each on a host of its own on its
// boundary's subnet (as servers in the field): the subnet's ordinary DHCP server, the management
// point, and every distribution point with its HTTP content service and — when PXE is enabled on
// it — the PXE responder (proxyDHCP) and TFTP server. Addresses come from the boundary's subnet:
// .2 DHCP, .3 MP, .10 onwards the DPs, leases from .100. Logs go to <outputDir>/site/.
import { copyFile, link, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Scenario } from '../../../scenarios/index.js';
import { addLabHost, mpConfigFromScenario, pxeSettingsFromScenario, SiteHost, SITE_SERVER_MAIN, startSiteServerProcess, type DistributionPointServerConfig } from '../../site/index.js';
import type { LabNetwork, LabSubnet } from '../lab-network.js';
import type { LabRun } from '../lab-run.js';
import type { DpCatalogPackage } from '../machine/index.js';
import type { MediaPackage } from '../media/index.js';
import { buildPxeBootFiles } from './pxe-boot-files.js';
import type { RunContent } from './content.js';

export interface DistributionPointService {
  name: string;
  boundary: string;
  address: string;
  url: string;
  /** What it holds, for the clients' content location. */
  catalog: DpCatalogPackage[];
  /** The PXE responder and TFTP server, when PXE is enabled on this DP. */
  pxe?: SiteHost;
}

export interface SiteServices {
  /** The MP's base URL, when the scenario has one on a boundary of this run. */
  managementPoint?: { name: string; url: string };
  distributionPoints: DistributionPointService[];
  /** The first distribution point on the boundary, preferring one with PXE. */
  distributionPointFor(boundary: string): DistributionPointService | undefined;
  /** Writes the PXE responders' SMSPXE.log, TFTP and DHCP logs into <outputDir>/site/. */
  writeLogs(): Promise<void>;
}

export interface SiteServicesInputs {
  scenario: Scenario;
  run: LabRun;
  net: LabNetwork;
  /** Boundary name → lab subnet name. */
  subnets: Map<string, string>;
  content: RunContent;
  outputDir: string;
  log: (line: string) => void;
}

function addressIn(subnet: LabSubnet, host: number): string {
  const base = subnet.cidr.split('/')[0]!.split('.').reduce((n, o) => n * 256 + Number(o), 0);
  const n = base + host;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function netmask(prefix: number): string {
  const m = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [24, 16, 8, 0].map((s) => Math.floor(m / 2 ** s) % 256).join('.');
}

/** Package folders for the DP: hard links to the run's content (a copy across file systems). */
async function packageFolders(root: string, packages: MediaPackage[]): Promise<{ sources: Map<string, string>; catalog: DpCatalogPackage[] }> {
  const sources = new Map<string, string>();
  const catalog: DpCatalogPackage[] = [];
  for (const p of packages) {
    const folder = join(root, p.id);
    const files: DpCatalogPackage['files'] = [];
    for (const [path, source] of Object.entries(p.files)) {
      const target = join(folder, path);
      await mkdir(dirname(target), { recursive: true });
      await link(source, target).catch(() => copyFile(source, target));
      files.push({ path, bytes: (await stat(source)).size });
    }
    sources.set(p.id, folder);
    catalog.push({ packageId: p.id, files });
  }
  return { sources, catalog };
}

export async function startSiteServices(inputs: SiteServicesInputs): Promise<SiteServices> {
  const { scenario, run, net, subnets, content, outputDir, log } = inputs;
  const siteDir = join(outputDir, 'site');
  await mkdir(siteDir, { recursive: true });
  const used = [...subnets.keys()];
  const boundaryOf = (b: string | undefined) => (b !== undefined && subnets.has(b) ? b : undefined);
  const hosts: { host: SiteHost; file: string }[] = [];

  // The boot image is a package on the DPs as well (PXE loads it over HTTP): the image built for
  // its architecture under every boot image ID of the scenario.
  const bootImagePackages: MediaPackage[] = scenario.content.bootImages.map((b) => {
    const built = content.bootImageFor(b.id);
    return { id: b.id, files: { vmlinuz: built.kernel, 'initrd.img': built.initrd } };
  });
  const { sources, catalog } = await packageFolders(join(run.tempDir, 'dp-content'), [...content.packages, ...bootImagePackages]);

  for (const boundary of used) {
    const subnet = net.subnet(subnets.get(boundary)!);
    const address = addressIn(subnet, 2);
    const host = await addLabHost(run, net, subnet.name, `dhcp${used.indexOf(boundary)}`, { address });
    const size = 2 ** (32 - subnet.prefixLength);
    const dhcp = await SiteHost.start(
      host.namespace,
      { dhcp: { serverAddress: address, subnetMask: netmask(subnet.prefixLength), router: subnet.gateway, rangeStart: addressIn(subnet, Math.min(100, size - 3)), rangeEnd: addressIn(subnet, Math.min(199, size - 2)) } },
      run.cleanup,
      run.signal,
    );
    hosts.push({ host: dhcp, file: join(siteDir, `DHCP-${boundary}.log`) });
    log(`site: DHCP server for boundary ${boundary} at ${address} (${subnet.cidr})`);
  }

  const mp = scenario.site.managementPoint;
  const mpBoundary = mp ? (boundaryOf(mp.boundary) ?? (mp.boundary === undefined ? used[0] : undefined)) : undefined;
  const mpAddress = mpBoundary !== undefined ? addressIn(net.subnet(subnets.get(mpBoundary)!), 3) : undefined;

  const dps: DistributionPointService[] = [];
  const dpUrls: Record<string, string> = {};
  let dpIndex = 0;
  for (const dp of scenario.site.distributionPoints) {
    const boundary = boundaryOf(dp.boundary) ?? (dp.boundary === undefined ? used[0] : undefined);
    if (boundary === undefined) continue;
    const subnet = net.subnet(subnets.get(boundary)!);
    const address = addressIn(subnet, 10 + dpIndex);
    const host = await addLabHost(run, net, subnet.name, `dp${dpIndex++}`, { address });
    const held = catalog.filter((c) => {
      const item = [...scenario.content.bootImages, ...scenario.content.osImages, ...scenario.content.driverPackages, ...scenario.content.packages].find((x) => x.id === c.packageId);
      return item?.distributionPoints.includes(dp.name) ?? false;
    });
    const config: DistributionPointServerConfig = {
      id: dp.name,
      site: boundary,
      host: '0.0.0.0',
      port: 80,
      accessLogPath: join(siteDir, dp.name, 'access.log'),
      packages: held.map((c) => ({ packageId: c.packageId, source: sources.get(c.packageId)! })),
    };
    await mkdir(join(siteDir, dp.name), { recursive: true });
    await startSiteServerProcess({ namespace: host.namespace, main: SITE_SERVER_MAIN.distributionPoint, config, configPath: join(run.tempDir, `${dp.name}.json`), label: `distribution point ${dp.name}` }, run.cleanup, run.signal);
    const url = `http://${address}`;
    dpUrls[dp.name] = url;
    const service: DistributionPointService = { name: dp.name, boundary, address, url, catalog: held };
    if (dp.pxe?.enabled) {
      const settings = pxeSettingsFromScenario(scenario, dp.name);
      const root = join(run.tempDir, `${dp.name}-RemoteInstall`);
      // Each architecture's loaders load the boot image the responder offers that architecture.
      const bootImages = Object.fromEntries(
        Object.entries(settings.policy.bootImages).map(([arch, id]) => {
          const built = content.bootImageFor(id);
          return [arch, { id, kernel: built.kernel, initrd: built.initrd, append: built.append }];
        }),
      );
      const files = await buildPxeBootFiles({ root, dpAddress: address, bootImages, ...(mpAddress ? { mpUrl: `http://${mpAddress}` } : {}), signal: run.signal });
      const offered = Object.entries(bootImages).map(([arch, b]) => `${b.id} (${arch})`);
      log(`site: ${dp.name} serves PXE boot files ${files.bootFiles.join(', ')}${offered.length > 0 ? `, boot images ${offered.join(', ')} over TFTP` : ' (no boot image on this DP)'}`);
      service.pxe = await SiteHost.start(
        host.namespace,
        {
          pxe: { id: dp.name, serverAddress: address, policy: settings.policy, responseDelayMs: settings.responseDelayMs, biosArchitectures: settings.biosArchitectures },
          tftp: { root, maxBlockSize: settings.tftp.maxBlockSize, maxWindowSize: settings.tftp.maxWindowSize },
        },
        run.cleanup,
        run.signal,
      );
      hosts.push({ host: service.pxe, file: join(siteDir, dp.name, 'SMSPXE.log') });
    }
    dps.push(service);
    log(`site: distribution point ${dp.name} at ${url} (boundary ${boundary}${dp.pxe?.enabled ? ', PXE' : ''}): ${held.map((c) => c.packageId).join(', ') || 'no content'}`);
  }

  let managementPoint: SiteServices['managementPoint'];
  if (mp && mpBoundary !== undefined && mpAddress !== undefined) {
    const subnet = net.subnet(subnets.get(mpBoundary)!);
    const address = mpAddress;
    const host = await addLabHost(run, net, subnet.name, 'mp', { address });
    await mkdir(join(siteDir, mp.name), { recursive: true });
    const config = mpConfigFromScenario(scenario, { dpUrls, host: '0.0.0.0', port: 80, accessLogPath: join(siteDir, mp.name, 'access.log'), statusLogPath: join(siteDir, mp.name, 'status.log') });
    await startSiteServerProcess({ namespace: host.namespace, main: SITE_SERVER_MAIN.managementPoint, config, configPath: join(run.tempDir, `${mp.name}.json`), label: `management point ${mp.name}` }, run.cleanup, run.signal);
    managementPoint = { name: mp.name, url: `http://${address}` };
    log(`site: management point ${mp.name} at http://${address} (boundary ${mpBoundary})`);
  }

  return {
    ...(managementPoint ? { managementPoint } : {}),
    distributionPoints: dps,
    distributionPointFor: (boundary) => dps.find((d) => d.boundary === boundary && d.pxe) ?? dps.find((d) => d.boundary === boundary),
    writeLogs: async () => {
      for (const { host, file } of hosts) {
        const byKind = (source: string) => host.log.filter((l) => l.source === source).map((l) => `${l.line}\n`).join('');
        await mkdir(dirname(file), { recursive: true });
        if (host.log.some((l) => l.source === 'SMSPXE')) await writeFile(file, host.smspxeLog());
        if (host.log.some((l) => l.source === 'TFTP')) await writeFile(join(dirname(file), 'tftp.log'), byKind('TFTP'));
        if (host.log.some((l) => l.source === 'DHCP')) await writeFile(file, byKind('DHCP'));
      }
    },
  };
}
