/**
 * Preloaded with `--import` into every benchmark process: resolves `huggingface.co` to the
 * loopback address in BENCH_HF_ADDRESS (read at each lookup; default 127.0.0.1), where the
 * stand-in listens, so code that calls the real hub URL reaches the stand-in. Every other name
 * goes to the system resolver. Node's `net`, under both got and fetch (undici), resolves names
 * through `dns.lookup`, looked up on the module at connect time.
 */
import dns from 'node:dns';
import { promisify } from 'node:util';

const hubName = 'huggingface.co';

const hubAddress = () => process.env.BENCH_HF_ADDRESS ?? '127.0.0.1';
const systemLookup = dns.lookup;
const systemPromisesLookup = dns.promises.lookup;

const isHub = (hostname) => typeof hostname === 'string' && hostname.toLowerCase().replace(/\.$/, '') === hubName;

function lookup(hostname, options, callback) {
  if (typeof options === 'function') {
    callback = options;
    options = {};
  }
  if (!isHub(hostname)) {
    return systemLookup.call(dns, hostname, options, callback);
  }
  const address = hubAddress();
  const all = typeof options === 'object' && options !== null && options.all === true;
  process.nextTick(() => {
    if (all) callback(null, [{ address, family: 4 }]);
    else callback(null, address, 4);
  });
  return undefined;
}

lookup[promisify.custom] = (hostname, options = {}) => dns.promises.lookup(hostname, options);

dns.lookup = lookup;
dns.promises.lookup = async (hostname, options = {}) => {
  if (!isHub(hostname)) return systemPromisesLookup.call(dns.promises, hostname, options);
  const entry = { address: hubAddress(), family: 4 };
  return typeof options === 'object' && options?.all ? [entry] : entry;
};
