/**
 * Where a webhook may go (src/webhooks/address-policy.ts): every form an internal address can take
 * in a URL, judged after the WHATWG URL parser (the one delivery uses) has read the host.
 */
import { classifyAddress, isAllowedCategory, refusedUrlHost, type AddressCategory } from '../../src/webhooks/address-policy';

/** URL → the category its host is refused as (with private addresses allowed or not: see below). */
const INTERNAL: [url: string, category: AddressCategory][] = [
  // IPv4 loopback in every spelling the URL parser accepts: dotted, short, decimal, hex, octal, mixed.
  ['http://127.0.0.1/hook', 'loopback'],
  ['http://127.1/', 'loopback'],
  ['http://2130706433/', 'loopback'], // 127·2²⁴ + 1 = 2130706433
  ['http://0x7f.1/', 'loopback'],
  ['http://0x7f000001/', 'loopback'],
  ['http://017700000001/', 'loopback'], // octal 17700000001 = 2130706433
  ['http://0177.0.0.1/', 'loopback'],
  ['http://127.000.000.001/', 'loopback'],
  ['http://127.255.255.254:8080/', 'loopback'],
  ['http://localhost:3000/', 'loopback'],
  ['http://LOCALHOST./', 'loopback'],
  ['http://api.localhost/', 'loopback'],
  // IPv6 loopback, and IPv4 loopback inside IPv6 (mapped, SIIT, compatible, NAT64, 6to4).
  ['http://[::1]/', 'loopback'],
  ['http://[0:0:0:0:0:0:0:1]/', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'loopback'],
  ['http://[::ffff:0:127.0.0.1]/', 'loopback'],
  ['http://[::127.0.0.1]/', 'loopback'],
  ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
  ['http://[2002:7f00:1::]/', 'loopback'],
  // Private networks.
  ['http://10.0.0.5/', 'private'],
  ['http://172.16.0.1/', 'private'],
  ['http://172.31.255.255/', 'private'],
  ['http://192.168.1.10/', 'private'],
  ['http://3232235786/', 'private'], // 192·2²⁴ + 168·2¹⁶ + 1·2⁸ + 10 = 3232235786 = 192.168.1.10
  ['http://[::ffff:10.1.2.3]/', 'private'],
  ['http://100.64.0.1/', 'carrier_grade_nat'],
  ['http://100.127.255.254/', 'carrier_grade_nat'],
  ['http://[fd12:3456::1]/', 'unique_local'],
  ['http://[fc00::1]/', 'unique_local'],
  // Link-local and the cloud metadata services, by address and by name.
  ['http://169.254.1.1/', 'link_local'],
  ['http://[fe80::1]/', 'link_local'],
  ['http://169.254.169.254/latest/meta-data/', 'metadata'],
  ['http://2852039166/', 'metadata'], // 169·2²⁴ + 254·2¹⁶ + 169·2⁸ + 254 = 2852039166
  ['http://0xa9.0xfe.0xa9.0xfe/', 'metadata'],
  ['http://[::ffff:169.254.169.254]/', 'metadata'],
  ['http://[::ffff:a9fe:a9fe]/', 'metadata'],
  ['http://[fd00:ec2::254]/', 'metadata'],
  ['http://169.254.170.2/v2/credentials', 'metadata'],
  ['http://100.100.100.200/', 'metadata'],
  ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
  ['http://METADATA.GOOGLE.INTERNAL./', 'metadata'],
  // Multicast, unspecified, broadcast, reserved.
  ['http://224.0.0.1/', 'multicast'],
  ['http://239.255.255.250/', 'multicast'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://[::]/', 'unspecified'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://4294967295/', 'broadcast'], // 2³² − 1
  ['http://240.0.0.1/', 'reserved'],
  ['http://192.0.2.1/', 'reserved'],
  ['http://[2001:db8::1]/', 'reserved'],
  ['http://[2001::1]/', 'reserved'], // Teredo
];

const PUBLIC = [
  'https://hooks.example.com/billing',
  'http://93.184.215.14/',
  'http://1.1.1.1/',
  'http://[2606:4700:4700::1111]/',
  'http://[::ffff:8.8.8.8]/',
  'http://172.32.0.1/', // just past 172.16/12
  'http://100.128.0.1/', // just past 100.64/10
  'http://169.255.0.1/',
  'http://localhost.example.com/', // a name, resolved and checked at delivery
];

describe('registration: an internal host in the URL is refused at once', () => {
  it.each(INTERNAL)('%s is %s', (url, category) => {
    expect(refusedUrlHost(url, false)).toBe(category);
  });
  it.each(PUBLIC)('%s is allowed', (url) => {
    expect(refusedUrlHost(url, false)).toBeNull();
  });
});

describe('an organization that allows private addresses', () => {
  const unlocked = new Set<AddressCategory>(['loopback', 'private', 'carrier_grade_nat', 'unique_local']);
  it.each(INTERNAL)('%s (%s)', (url, category) => {
    // Loopback and private networks open up; link-local, metadata, multicast and the rest never do.
    expect(refusedUrlHost(url, true)).toBe(unlocked.has(category) ? null : category);
  });
});

describe('addresses from DNS', () => {
  it.each([
    ['127.0.0.1', 'loopback'], ['::1', 'loopback'], ['::ffff:127.0.0.1', 'loopback'], ['10.255.255.255', 'private'],
    ['169.254.169.254', 'metadata'], ['fd00:ec2::254', 'metadata'], ['fe80::abcd', 'link_local'], ['0.0.0.0', 'unspecified'],
    ['8.8.8.8', 'public'], ['2a00:1450:4007:80e::200e', 'public'], ['64:ff9b::808:808', 'public'], ['2002:808:808::1', 'public'],
  ] as [string, AddressCategory][])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });
  it('only public addresses pass without the setting', () => {
    expect(isAllowedCategory('public', false)).toBe(true);
    expect(isAllowedCategory('loopback', false)).toBe(false);
    expect(isAllowedCategory('loopback', true)).toBe(true);
    expect(isAllowedCategory('metadata', true)).toBe(false);
    expect(isAllowedCategory('link_local', true)).toBe(false);
  });
});
