// The mark of imgcli's offline server (--mock, `imgcli mock-server`): every answer it gives
// carries this header with the value 1. A connection that sees it records that its images are
// stand-ins (Connection.offline), and they are written with `origin: "offline"` in their
// provenance: never up to date for a real server.
export const OFFLINE_HEADER = 'x-imgcli-offline';
