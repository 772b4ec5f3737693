// The scenario's driver catalog and boot-image driver lists as one twin machine sees them: which
// boot images leave Windows PE without a driver for the machine's NIC (so without network).
import { pciDeviceIdentity, targetOs, winpeDriverFor, type CatalogDriver, type DriverCatalog } from '../../../drivers/index.js';
import type { PciDevice } from '../../../harness/index.js';
import type { Scenario } from '../../../scenarios/index.js';
import type { TwinDriverConfig } from '../machine-config.js';

export function twinDriverConfig(scenario: Scenario, catalog: DriverCatalog, lists: ReadonlyMap<string, CatalogDriver[]>, nic: Omit<PciDevice, 'driverLoaded'>): TwinDriverConfig {
  const noNetworkIn: Record<string, string> = {};
  for (const [id, drivers] of lists) {
    const arch = scenario.content.bootImages.find((b) => b.id === id)?.arch ?? 'x64';
    if (winpeDriverFor(nic, drivers, targetOs(arch))) continue;
    const nicId = pciDeviceIdentity({ ...nic, driverLoaded: false }).hardwareIds[0];
    noNetworkIn[id] = `boot image ${id} has no driver for the network adapter ${nicId}: neither its drivers (${drivers.map((d) => d.name).join(', ') || 'none'}) nor the inbox ones claim it`;
  }
  return { catalog, noNetworkIn };
}
