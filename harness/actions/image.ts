// What Apply Operating System Image and Apply Data Image share: the image package and the destination.
import type { ImageTarget } from '../machine.js';
import { integer, packageContent } from './common.js';
import type { ActionContext, ActionResult } from './types.js';

/** The image package: ImagePackageID, else the "/image:PKG," or "/data:PKG," argument of <action>. */
export function imagePackageId(ctx: ActionContext): string | undefined {
  const explicit = ctx.variable('ImagePackageID');
  if (explicit) return explicit;
  return /\/(?:image|data|install):([A-Za-z0-9]{3}[0-9A-Fa-f]{5}),/.exec(ctx.step.action)?.[1];
}

/** Destination as the step's Destination* variables say; nothing given means "next sequential partition". */
export function imageTarget(ctx: ActionContext): ImageTarget {
  const variableName = ctx.variable('DestinationVariable');
  const drive = variableName ? ctx.variable(variableName) : ctx.variable('DestinationLogicalDrive');
  return {
    diskIndex: integer(ctx.variable('DestinationDisk')),
    partitionNumber: integer(ctx.variable('DestinationPartition')),
    logicalDrive: drive ? ctx.expand(drive) : undefined,
  };
}

export async function applyImage(ctx: ActionContext, kind: 'os' | 'data', indexVariable: string, wipe: boolean): Promise<ActionResult> {
  const packageId = imagePackageId(ctx);
  if (!packageId) return { exitCode: 87, reason: 'The step names no image package (ImagePackageID)' };
  const imageIndex = integer(ctx.variable(indexVariable)) ?? 1;
  const content = await packageContent(ctx, packageId);
  if (content.failed) return content.failed;
  ctx.log.info(`Applying image ${packageId} index ${imageIndex}`, 'applyos.cpp:527', 'ApplyOperatingSystem');
  const outcome = await ctx.machine.applyImage(
    { packageId, imageIndex, target: imageTarget(ctx), wipe, kind, contentLocation: content.location ?? packageId },
    ctx.signal,
  );
  for (const line of outcome.output ?? []) ctx.log.info(line, 'applyos.cpp:600', 'ApplyOperatingSystem');
  return outcome;
}
