// The PXE-started boot image asks the management point for its policy, from the guest over the lab
// network with busybox wget, as TSPxe does: look the computer up by MAC and SMBIOS GUID (an unknown
// computer is registered), then ask for the deployments of its collections.
import type { ComputerRecord, MpPolicy } from '../../site/index.js';
import { shellQuote } from '../machine/guest-shell.js';
import type { GuestShell } from '../machine/index.js';

export type PolicyAnswer = { ok: true; computer: ComputerRecord; policy: MpPolicy } | { ok: false; reason: string; output: string[] };

const RECORD = '@record ';
const POLICY = '@policy ';

/** Shell script: two POSTs with wget; each answer on one line after its marker; wget's errors as they come. */
export function policyScript(mpUrl: string, identity: { mac: string; smbiosGuid: string }): string {
  const post = (path: string, body: string) => `wget -q -O - --header 'Content-Type: application/json' --post-data ${shellQuote(body)} ${shellQuote(`${mpUrl}${path}`)}`;
  return [
    `record=$(${post('/mp/register', JSON.stringify(identity))}) || exit 1`,
    `echo "${RECORD}$record"`,
    `guid=$(echo "$record" | sed -n 's/.*"smsGuid":"\\([^"]*\\)".*/\\1/p')`,
    `policy=$(${post('/mp/policy', '{"smsGuid":"GUID"}').replace('GUID', "'\"$guid\"'")}) || exit 1`,
    `echo "${POLICY}$policy"`,
  ].join('\n');
}

export async function requestPolicy(guest: GuestShell, mpUrl: string, identity: { mac: string; smbiosGuid: string }, signal?: AbortSignal): Promise<PolicyAnswer> {
  const r = await guest.run(policyScript(mpUrl, identity), 120, signal);
  const line = (marker: string) => r.output.find((l) => l.startsWith(marker))?.slice(marker.length);
  const record = line(RECORD);
  const policy = line(POLICY);
  if (r.exitCode !== 0 || record === undefined || policy === undefined) {
    return { ok: false, reason: `the policy request to the management point ${mpUrl} failed`, output: r.output.filter((l) => !l.startsWith('@')) };
  }
  return { ok: true, computer: JSON.parse(record) as ComputerRecord, policy: JSON.parse(policy) as MpPolicy };
}
