// Public surface of the site servers (lab/site): distribution point, management point and state
// migration point over HTTP, and the shared HTTP pieces (Range, token bucket, access log).

export { HttpService, HttpError, sendJson, readJson, type Exchange, type ServiceOptions } from './http/service.js';
export { parseRange, contentRange, type RangeAnswer } from './http/range.js';
export { TokenBucket, type TokenBucketOptions } from './http/token-bucket.js';
export { AccessLog, accessLine, type AccessEntry } from './http/access-log.js';
export { DistributionPointServer, DP_CONTENT_PREFIX, type DistributionPointServerConfig } from './dp/server.js';
export { DpContent, type DpPackage, type PackageFile } from './dp/content.js';
export { downloadWithResume, sha256File, ContentNotFoundError, DownloadError, type DownloadOptions, type DownloadEvent, type DownloadResult } from './dp/download.js';
