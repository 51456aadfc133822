// Preloaded into node.exe by the Windows smoke check (`node.exe --import <this file>`), never by
// imgcli itself: it leaves src/ untouched and changes nothing outside Wine.
//
// undici asks for TCP keep-alive on every connection it opens, before the connection is made
// (socket.setKeepAlive(true, 60e3) in undici/lib/core/connect.js). Node passes that to libuv,
// which sets the keep-alive socket options as it connects; Wine 8.0 fails that call and libuv
// reports the connect itself as failed, "connect UNKNOWN 127.0.0.1:<port>", so no request can
// reach even the offline server. Windows accepts the options, and under Wine they work once a
// socket is connected. Under Wine only, setKeepAlive becomes a no-op: the short local
// connections of the smoke check never sit idle long enough for keep-alive to matter.
import net from 'node:net';

// Wine's loader puts these in the environment of every program it starts; Windows never has them.
const underWine = Boolean(process.env.WINECONFIGDIR || process.env.WINELOADER);

if (underWine) {
  net.Socket.prototype.setKeepAlive = function setKeepAliveSkippedUnderWine() {
    return this;
  };
}
