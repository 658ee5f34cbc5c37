import { listenUrls } from '../src/listen-addresses';

const interfaces = {
  lo: [
    { address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '', cidr: null },
    { address: '::1', family: 'IPv6', internal: true, netmask: '', mac: '', cidr: null, scopeid: 0 },
  ],
  eth0: [
    { address: '10.1.2.3', family: 'IPv4', internal: false, netmask: '255.0.0.0', mac: '', cidr: null },
    { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
  ],
} as never;

describe('listenUrls (the banner prints where the server really listens)', () => {
  it('a loopback bind is that address only', () => {
    expect(listenUrls([{ address: '127.0.0.1', family: 'IPv4', port: 3000 }], interfaces)).toEqual([
      'http://127.0.0.1:3000',
    ]);
  });
  it('0.0.0.0 lists every IPv4 interface, loopback first', () => {
    expect(listenUrls([{ address: '0.0.0.0', family: 'IPv4', port: 3000 }], interfaces)).toEqual([
      'http://127.0.0.1:3000',
      'http://10.1.2.3:3000',
    ]);
  });
  it(':: lists IPv4 and IPv6 interfaces (not link-local), IPv6 in brackets', () => {
    expect(listenUrls([{ address: '::', family: 'IPv6', port: 8080 }], interfaces)).toEqual([
      'http://127.0.0.1:8080',
      'http://[::1]:8080',
      'http://10.1.2.3:8080',
    ]);
  });
});
