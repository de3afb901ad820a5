/**
 * The stand-in as `https://huggingface.co`, by name resolution. Preloaded with `--import` (its
 * path is `hubResolverPreload` of `stand-in/index.ts`) into every benchmark process and into the
 * real-Logto suite's core: sends connections for `huggingface.co:443` to the loopback port in BENCH_HF_PORT (default 443)
 * on BENCH_HF_ADDRESS (default 127.0.0.1), where the stand-in or the delaying proxy in front of it listens, so code that calls
 * the real hub URL reaches it without anything listening on port 443. TLS still names and checks
 * `huggingface.co`: only the TCP destination changes. Every other destination is left alone.
 *
 * Node's `net.Socket#connect` is where got (http/https), fetch (undici) and `tls.connect` all
 * open their TCP connections, so one patch there covers both connectors.
 */
import dns from 'node:dns';
import net from 'node:net';

const hubName = 'huggingface.co';

const hubAddress = () => process.env.BENCH_HF_ADDRESS ?? '127.0.0.1';
/** The stand-in's port: BENCH_HF_PORT, or 443 when a suite serves the stand-in there itself. */
const hubPort = () => {
  const configured = process.env.BENCH_HF_PORT;
  if (configured === undefined || configured === '') {
    return 443;
  }
  const port = Number(configured);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
    throw new Error('BENCH_HF_PORT must name the port that stands in for huggingface.co:443');
  }
  return port;
};

const isHub = (hostname) => typeof hostname === 'string' && hostname.toLowerCase().replace(/\.$/, '') === hubName;

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function connectToStandIn(...args) {
  // Either (options, callback), ([options, callback]) as net normalizes them, or (port, host, callback).
  const options = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (options !== null && typeof options === 'object' && isHub(options.host) && Number(options.port ?? 443) === 443) {
    options.host = hubAddress();
    options.port = hubPort();
  } else if (typeof args[0] === 'number' && args[0] === 443 && isHub(args[1])) {
    args[0] = hubPort();
    args[1] = hubAddress();
  }
  return connect.apply(this, args);
};

/** Anything that resolves the name itself gets the stand-in's address too. */
const systemLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (!isHub(hostname)) {
    return systemLookup.call(dns, hostname, options, callback);
  }
  const done = typeof options === 'function' ? options : callback;
  const all = typeof options === 'object' && options !== null && options.all === true;
  process.nextTick(() => (all ? done(null, [{ address: hubAddress(), family: 4 }]) : done(null, hubAddress(), 4)));
  return undefined;
};
