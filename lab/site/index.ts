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
