// Public surface of the site servers (lab/site): distribution point, management point and state
// migration point over HTTP, and the shared HTTP pieces (Range, token bucket, access log).

export { HttpService, HttpError, sendJson, readJson, field, optionalField, type Exchange, type ServiceOptions } from './http/service.js';
export { parseRange, contentRange, type RangeAnswer } from './http/range.js';
export { TokenBucket, type TokenBucketOptions } from './http/token-bucket.js';
export { AccessLog, accessLine, type AccessEntry } from './http/access-log.js';
export { LineFile } from './http/line-file.js';
export { DistributionPointServer, DP_CONTENT_PREFIX, type DistributionPointServerConfig } from './dp/server.js';
export { DpContent, type DpPackage, type PackageFile } from './dp/content.js';
export { downloadWithResume, sha256File, ContentNotFoundError, DownloadError, type DownloadOptions, type DownloadEvent, type DownloadResult } from './dp/download.js';
export { ManagementPointServer, UNKNOWN_COMPUTERS_COLLECTION, type ManagementPointServerConfig, type ComputerRecord, type StatusMessage } from './mp/server.js';
export { policyFor, policyVariables, findComputer, type MpComputer, type MpCollection, type MpDeployment, type MpDistributionPoint, type MpPolicy, type PolicyInputs, type LookupKey } from './mp/policy.js';
export { decodeBootp, encodeBootp, clientGuid, encodeClientGuid, clientArchitectureType, messageType, DhcpMessage, DhcpOption, BootpDecodeError, type BootpPacket } from './dhcp/bootp.js';
export { DhcpServer, type DhcpServerOptions, type DhcpLease } from './dhcp/server.js';
export { decidePxe, pxeClientOutcome, firstAnswer, pxeBootFile, clientArchitecture, type PxePolicy, type PxeRequest, type PxeDecision, type PxeClientBehaviour, type PxeClientOutcome, type ResponderAnswer } from './pxe/decision.js';
export { PxeResponderServer, type PxeResponderOptions, type PxeEvent } from './pxe/responder.js';
export { SiteHost, type SiteHostLogLine } from './pxe/host.js';
export type { SiteHostConfig } from './pxe/host-process.js';
export { TftpServer, type TftpServerOptions, type TftpTransferRecord } from './tftp/server.js';
export { tftpGet, type TftpGetOptions, type TftpGetResult } from './tftp/client.js';
export { resolveBootFile } from './tftp/boot-file-root.js';
export { TftpError, TftpErrorCode } from './tftp/packets.js';
export { StateMigrationPointServer, type StateMigrationPointServerConfig } from './smp/server.js';
export { requestStateStore, StateStoreSession, StateStoreError, type StateStoreRequestOptions } from './smp/client.js';
export { MemoryKeyStore, DirectoryKeyStore, type SmpKeyStore } from './smp/keys.js';
export { UserStateStores, type SmpFolder, type StoreRecord } from './smp/stores.js';
export { pxeSettingsFromScenario, type DistributionPointPxe } from './pxe/scenario-policy.js';
export { mpConfigFromScenario, type MpScenarioOptions } from './mp/scenario-config.js';
export { addLabHost, type LabHost } from './lab/lab-host.js';
export { startSiteServerProcess, SITE_SERVER_MAIN, type SiteServerProcess } from './lab/service-process.js';
