import { expect } from 'chai';
import { parseOsImageSpec } from './spec.js';
import { OS_VERSION_MARKER, windowsTree } from './windows-tree.js';

const spec = (arch: string, size = '1MB') =>
  parseOsImageSpec(`osImage:\n  product: Windows 10\n  version: "10.0.19045.3803"\n  architecture: ${arch}\n  systemSize: ${size}\n  images:\n    - { name: Windows 10 Enterprise, edition: Enterprise }\n    - { name: Windows 10 Education, edition: Education }\n`, 'spec.yaml');

describe('images/os-image: Windows-like tree', function () {
  it('lays out 64-bit and 32-bit Windows the way each really looks', function () {
    const x64 = windowsTree(spec('x64'), spec('x64').images[0]).map((e) => e.path);
    const x86 = windowsTree(spec('x86'), spec('x86').images[0]).map((e) => e.path);
    expect(x64).to.include.members(['Program Files (x86)', 'Windows/SysWOW64/ntdll.dll', 'Windows/System32/config/SOFTWARE', OS_VERSION_MARKER]);
    expect(x86.filter((p) => p.startsWith('Program Files (x86)') || p.startsWith('Windows/SysWOW64'))).to.deep.equal([]);
    expect(x64, 'sorted, parents before children').to.deep.equal([...x64].sort());
  });

  it('spreads systemSize over the binaries, with the same bytes every time and only the markers differing between editions', function () {
    const s = spec('x64', '2MB');
    const [enterprise, education] = s.images.map((img) => windowsTree(s, img));
    const bytes = (tree: ReturnType<typeof windowsTree>) => new Map(tree.flatMap((e) => (e.directory ? [] : [[e.path, e.content] as const])));
    const a = bytes(enterprise);
    const binaries = [...a].filter(([p]) => /\.(exe|dll|sys|efi)$|bootmgr$/.test(p));
    const total = binaries.reduce((n, [, c]) => n + c.length, 0);
    expect(total).to.be.within(2 * 2 ** 20 - binaries.length * 512, 2 * 2 ** 20);
    expect(bytes(windowsTree(s, s.images[0]))).to.deep.equal(a);
    const b = bytes(education);
    const differing = [...new Set([...a.keys(), ...b.keys()])].filter((p) => !a.get(p)?.equals(b.get(p) ?? Buffer.alloc(0)));
    expect(differing.sort()).to.deep.equal([
      'Windows/System32/config/SOFTWARE',
      OS_VERSION_MARKER,
      'Windows/System32/spp/tokens/skus/Education/Education-ul.xrm-ms',
      'Windows/System32/spp/tokens/skus/Enterprise/Enterprise-ul.xrm-ms',
    ].sort());
  });
});
