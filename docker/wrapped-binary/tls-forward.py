#!/usr/bin/env python3
"""TLS in front of a plain-HTTP listener, for a server with one listener (Conduit) whose
federation port must speak TLS: accepts TLS on LISTEN_HOST:LISTEN_PORT with CERT/KEY and relays
each connection's bytes to TARGET_HOST:TARGET_PORT. Python's standard library only.

usage: tls-forward.py LISTEN_HOST LISTEN_PORT CERT KEY TARGET_HOST TARGET_PORT
"""
import asyncio
import ssl
import sys


async def relay(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


async def main(listen_host, listen_port, cert, key, target_host, target_port):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def forward(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(relay(client_reader, server_writer), relay(server_reader, client_writer))

    server = await asyncio.start_server(forward, listen_host, listen_port, ssl=context)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    if len(sys.argv) != 7:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6])))
