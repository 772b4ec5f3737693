import { expect } from 'chai';
import { execa } from 'execa';
import { EnvironmentError, InputError } from '../../../scenarios/index.js';
import { CleanupRegistry } from '../cleanup.js';
import { LabNetwork, parseLabCidr } from '../lab-network.js';
import { leftoverNamespaces, namespacesUnavailable } from './helpers.js';

async function nsIp(ns: string, args: string[]): Promise<string> {
  return (await execa('ip', ['-n', ns, ...args])).stdout;
}

describe('lab/qemu lab network', function () {
  this.timeout(30_000);

  it('accepts only subnets of 198.18.0.0/15 given by their network address', () => {
    expect(parseLabCidr('198.19.255.0/24', 'x')).to.deep.equal({ network: 0xc613ff00, prefixLength: 24 });
    expect(() => parseLabCidr('192.168.1.0/24', 'subnets[0].cidr')).to.throw(InputError, /subnets\[0\]\.cidr: found "192\.168\.1\.0\/24".*198\.18\.0\.0\/15/);
    expect(() => parseLabCidr('198.18.1.5/24', 'x')).to.throw(InputError, /198\.18\.1\.0\/24/);
    expect(() => parseLabCidr('198.18.0.0/8', 'x')).to.throw(InputError, /prefix length/);
    expect(() => parseLabCidr('198.18.0.0', 'x')).to.throw(InputError);
  });

  describe('in a namespace of its own', () => {
    before(async function () {
      const why = await namespacesUnavailable();
      if (why) {
        console.log(`    (skipped: ${why})`);
        this.skip();
      }
    });

    it('creates the namespace, a bridge per subnet with its gateway address, taps on the bridges, shapes a tap; cleanup removes it all', async () => {
      const cleanup = new CleanupRegistry();
      const runId = `net-${process.pid}`;
      const hostLinksBefore = (await execa('ip', ['-o', 'link', 'show'])).stdout.split('\n').length;
      try {
        const net = await LabNetwork.create(runId, [{ name: 'hq' }, { name: 'branch', cidr: '198.18.200.0/25' }], cleanup);
        expect(net.namespace).to.equal(`osdlab-${runId}`);
        expect(net.subnet('hq')).to.deep.include({ cidr: '198.18.0.0/24', gateway: '198.18.0.1', bridge: 'br0' });
        expect(net.subnet('branch')).to.deep.include({ cidr: '198.18.200.0/25', gateway: '198.18.200.1', bridge: 'br1' });
        const tap0 = await net.addTap('hq');
        const tap1 = await net.addTap('branch');
        const addrs = await nsIp(net.namespace, ['-br', 'addr']);
        expect(addrs).to.match(/^br0\s+\S+\s+198\.18\.0\.1\/24/m);
        expect(addrs).to.match(/^br1\s+\S+\s+198\.18\.200\.1\/25/m);
        expect(await nsIp(net.namespace, ['-o', 'link', 'show', 'master', 'br0'])).to.contain(`${tap0}:`);
        expect(await nsIp(net.namespace, ['-o', 'link', 'show', 'master', 'br1'])).to.contain(`${tap1}:`);
        // Nothing on the host side: the namespace holds it all, and no host routes point at it.
        expect((await execa('ip', ['-o', 'link', 'show'])).stdout.split('\n').length).to.equal(hostLinksBefore);
        expect((await execa('ip', ['route'])).stdout).not.to.contain('198.18.');

        await net.shapeLink(tap0, { rateKbit: 8000 });
        expect((await execa('tc', ['-n', net.namespace, 'qdisc', 'show', 'dev', tap0])).stdout).to.match(/tbf .*rate 8Mbit/);
        const err = await net.shapeLink(tap0, { delayMs: 20 }).catch((e: unknown) => e);
        expect(err).to.be.instanceOf(EnvironmentError);
        expect(() => net.subnet('nowhere')).to.throw(InputError, /allowed: hq, branch/);
      } finally {
        expect(await cleanup.runAll()).to.deep.equal([]);
      }
      expect(await leftoverNamespaces(`osdlab-${runId}`)).to.deep.equal([]);
    });
  });
});
