// The Images API's paths, apart from the code that sends to them: the CLI routes requests
// (Azure's dated API puts them under /deployments/<name>) without loading the HTTP core.
export const ENDPOINT_PATHS = {
  generations: '/images/generations',
  edits: '/images/edits',
  variations: '/images/variations',
} as const;

export type ImagesEndpoint = keyof typeof ENDPOINT_PATHS;

/** The Responses API, where imgcli chat's image tool is called (reference section 11). */
export const RESPONSES_PATH = '/responses';
