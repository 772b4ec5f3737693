import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { moduleName, readModuleTree, selectModules } from '../kernel-modules.js';

async function modulesDir(): Promise<string | undefined> {
  const releases = (await readdir('/lib/modules').catch(() => [] as string[])).filter((r) => r.endsWith('-amd64'));
  return releases.length > 0 ? `/lib/modules/${releases.sort().at(-1)}` : undefined;
}

describe('images/boot-image kernel modules', () => {
  it('normalises module names as the kernel does', () => {
    expect(moduleName('kernel/drivers/nvme/host/nvme-core.ko')).to.equal('nvme_core');
    expect(moduleName('kernel/fs/nls/nls_iso8859-1.ko.xz')).to.equal('nls_iso8859_1');
  });

  it('selects the dependency closure of the wanted modules and only their aliases (Debian kernel)', async function () {
    const dir = await modulesDir();
    if (!dir) return this.skip();
    const tree = await readModuleTree(dir);
    const sel = selectModules(tree, ['virtio_net']);
    const names = sel.paths.map(moduleName);
    expect(names).to.include.members(['virtio_net', 'net_failover', 'failover', 'virtio', 'virtio_ring']);
    expect(names).not.to.include('e1000');
    expect(sel.modulesDep).to.match(/^kernel\/drivers\/net\/virtio_net\.ko: .*virtio_ring\.ko/m);
    expect(sel.modulesAlias).to.match(/^alias virtio:d00000001v\* virtio_net$/m);
    expect(sel.modulesAlias).not.to.match(/ e1000$/m);
    const e1000 = selectModules(tree, ['e1000']);
    expect(e1000.paths.map(moduleName)).to.deep.equal(['e1000']);
    expect(e1000.modulesAlias).to.match(/^alias pci:v00008086d0000100Esv\*sd\*bc\*sc\*i\* e1000$/m);
  });

  it('names a module the kernel does not have', () => {
    expect(() => selectModules({ paths: new Map(), deps: new Map(), aliasLines: [] }, ['no_such_nic'])).to.throw(/no_such_nic/);
  });
});
