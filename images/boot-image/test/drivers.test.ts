import { expect } from 'chai';
import { BOOT_IMAGE_DRIVERS, bootImageDriversForModules } from '../drivers.js';

describe('boot image driver list from kernel modules', () => {
  it('names the list entries whose modules drive the devices, plus USB mass storage', () => {
    expect(bootImageDriversForModules(['e1000', 'virtio_blk', 'ahci', 'nvme'])).to.deep.equal(['e1000', 'virtio-blk', 'ahci', 'nvme', 'usb-storage']);
    expect(bootImageDriversForModules(['virtio_net', 'virtio_net'])).to.deep.equal(['virtio-net', 'usb-storage']);
    for (const name of bootImageDriversForModules(['virtio_net', 'e1000', 'virtio_blk', 'ahci', 'nvme'])) expect(BOOT_IMAGE_DRIVERS).to.have.property(name);
  });

  it('a module no list entry carries is a defect in the table, said as such', () => {
    expect(() => bootImageDriversForModules(['bnx2'])).to.throw('no boot-image driver carries the kernel module bnx2');
  });
});
