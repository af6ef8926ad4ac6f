import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

function drain(): string[] {
  return globalThis.__networkGuardViolations.splice(0);
}

describe('network guard', () => {
  it('fails a connection to a public address', async () => {
    const error = await new Promise<Error>((resolve) => {
      const socket = net.connect({ host: '93.184.216.34', port: 80 });
      socket.on('error', resolve);
    });
    expect(error.message).toMatch(/network guard/);
    expect(drain()).toHaveLength(1);
  });

  it('fails a connection to a private-range address', async () => {
    const error = await new Promise<Error>((resolve) => {
      net.connect(80, '10.0.0.1').on('error', resolve);
    });
    expect(error.message).toMatch(/10\.0\.0\.1/);
    expect(drain()).toHaveLength(1);
  });

  it('fails a DNS lookup of a public name, callback and promise forms', async () => {
    const error = await new Promise<Error | null>((resolve) => {
      dns.lookup('example.com', (err) => resolve(err));
    });
    expect(error?.message).toMatch(/DNS lookup/);
    await expect(dns.promises.lookup('graph.facebook.com')).rejects.toThrow(/network guard/);
    expect(drain()).toHaveLength(2);
  });

  it('fails fetch to a public host', async () => {
    await expect(fetch('https://googleads.googleapis.com/')).rejects.toThrow();
    expect(drain().length).toBeGreaterThan(0);
  });

  it('allows loopback', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const viaName = await (await fetch(`http://localhost:${port}/`)).text().catch(() => 'ipv6');
    server.close();
    expect(body).toBe('ok');
    expect(['ok', 'ipv6']).toContain(viaName);
    expect(drain()).toEqual([]);
  });

  it('allows a Unix socket (it never leaves the machine)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'network-guard-'));
    const socketPath = path.join(dir, 'test.sock');
    const server = net.createServer((socket) => socket.end('ok'));
    await new Promise<void>((resolve) => server.listen(socketPath, resolve));
    try {
      const body = await new Promise<string>((resolve, reject) => {
        let text = '';
        net
          .connect(socketPath)
          .on('data', (chunk) => {
            text += chunk;
          })
          .on('end', () => resolve(text))
          .on('error', reject);
      });
      expect(body).toBe('ok');
      expect(drain()).toEqual([]);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('guards child processes too', async () => {
    const result = await execa(
      process.execPath,
      [
        '-e',
        "require('node:dns').lookup('example.org', (e) => { console.log(e ? e.message : 'resolved'); })",
      ],
      { reject: false },
    );
    expect(result.stdout).toMatch(/network guard: DNS lookup/);
  });
});
