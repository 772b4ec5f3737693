// The boot loader configuration of task-sequence media: GRUB starts the boot image (the Windows PE
// stand-in) at once, on the serial console, and — for password-protected media — asks for the
// media password first, so an unattended machine really stalls at the prompt.
import { pbkdf2Sync } from 'node:crypto';

/** The user GRUB asks for before the media password; GRUB's prompt reads "Enter username:". */
export const MEDIA_PASSWORD_USER = 'osdlab';
/** What the console shows while password-protected media wait for someone to type. */
export const MEDIA_PASSWORD_PROMPT = /Enter username:/;

/** The x64 kernel's own refusal on a 32-bit processor, printed by its real-mode setup (linux16 below). */
export const ARCHITECTURE_MISMATCH = /This kernel requires an x86-64 CPU[^\r\n]*/;

const PBKDF2_ROUNDS = 10_000;

export interface MediaGrubConfig {
  /** Kernel command line of the boot image plus the media's own arguments. */
  append: string;
  password?: { text: string; salt: Buffer };
}

/** GRUB's `password_pbkdf2` form of a password (what grub-mkpasswd-pbkdf2 prints). */
export function grubPasswordHash(password: string, salt: Buffer): string {
  const hash = pbkdf2Sync(password, salt, PBKDF2_ROUNDS, 64, 'sha512');
  return `grub.pbkdf2.sha512.${PBKDF2_ROUNDS}.${salt.toString('hex').toUpperCase()}.${hash.toString('hex').toUpperCase()}`;
}

/**
 * BIOS boots with linux16/initrd16: the kernel's real-mode setup then runs, as with a boot sector,
 * so an x64 boot image on a 32-bit CPU prints the kernel's own refusal instead of hanging silently.
 */
export function mediaGrubConfig(config: MediaGrubConfig): string {
  const lines = [
    'set timeout=0',
    'serial --unit=0 --speed=115200',
    'terminal_input serial console',
    'terminal_output serial console',
  ];
  if (config.password) {
    lines.push(`set superusers="${MEDIA_PASSWORD_USER}"`, `password_pbkdf2 ${MEDIA_PASSWORD_USER} ${grubPasswordHash(config.password.text, config.password.salt)}`);
  }
  lines.push(
    'menuentry "Configuration Manager boot media" {',
    '  if [ "$grub_platform" = efi ]; then',
    `    linux /boot/vmlinuz ${config.append}`,
    '    initrd /boot/initrd.img',
    '  else',
    `    linux16 /boot/vmlinuz ${config.append}`,
    '    initrd16 /boot/initrd.img',
    '  fi',
    '}',
  );
  return `${lines.join('\n')}\n`;
}
