import { expect } from 'chai';
import { access, readdir } from 'node:fs/promises';
import { probeAccelerator } from '../accelerator.js';
import { timeoutScale } from '../machine-command.js';
import { qemuUnavailable } from './helpers.js';

describe('lab/qemu accelerator probe @qemu', function () {
  this.timeout(60_000);

  it('chooses KVM only when an OVMF guest really runs under it, TCG otherwise, with the matching timeout scale', async function () {
    const why = await qemuUnavailable();
    if (why) {
      console.log(`    (skipped: ${why})`);
      return this.skip();
    }
    const kernel = `/boot/${(await readdir('/boot')).find((f) => /^vmlinuz-.*-amd64$/.test(f))}`;
    const choice = await probeAccelerator({ kernel });
    expect(choice.timeoutScale).to.equal(timeoutScale(choice.accel));
    const kvmNode = await access('/dev/kvm').then(() => true, () => false);
    if (!kvmNode) expect(choice).to.deep.include({ accel: 'tcg', reason: 'no usable /dev/kvm' });
    if (choice.accel === 'tcg' && kvmNode) expect(choice.reason).to.match(/^KVM unusable: /);
    if (choice.accel === 'kvm') expect(choice.reason).to.equal('KVM usable');
  });

  it('stops at once when aborted', async function () {
    if (!(await access('/dev/kvm').then(() => true, () => false))) return this.skip();
    const err = await probeAccelerator({ kernel: '/nonexistent', signal: AbortSignal.abort(new Error('cancelled')) }).catch((e: Error) => e);
    expect(err).to.be.instanceOf(Error);
    expect((err as Error).message).to.match(/cancelled|aborted/i);
  });
});
