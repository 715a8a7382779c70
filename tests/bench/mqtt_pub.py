#!/usr/bin/env python3
"""mqtt_pub.py HOST PORT N [INTERVAL_S]: a minimal MQTT 3.1.1 publisher (one
TCP connection, QoS 1) that sends N JSON readings, one PUBLISH per reading,
each in its own TCP segment, waits for its PUBACK, and sleeps INTERVAL_S
(default 0.01) between readings, like a sensor publishing as it samples.
mosquitto_pub -l batches the lines it finds on stdin into one segment, which
hides the per-message cost; this is the unbatched baseline for scripts/bench.sh.
Prints the number of PUBACKs received."""
import socket, struct, sys, time


def rlen(n):
    out = bytearray()
    while True:
        b, n = n % 128, n // 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mqstr(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def read_packet(sock):
    hdr = sock.recv(1)
    if not hdr:
        raise EOFError
    mult, length = 1, 0
    while True:
        b = sock.recv(1)[0]
        length += (b & 0x7F) * mult
        mult *= 128
        if not b & 0x80:
            break
    body = b""
    while len(body) < length:
        body += sock.recv(length - len(body))
    return hdr[0] >> 4, body


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    interval = float(sys.argv[4]) if len(sys.argv) > 4 else 0.01
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    var = mqstr("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60)
    payload = mqstr("sctpagent-bench-raw")
    s.sendall(bytes([0x10]) + rlen(len(var) + len(payload)) + var + payload)
    t, _ = read_packet(s)
    assert t == 2, "no CONNACK"
    acks = 0
    t0 = time.time()
    topic = mqstr("sctpagent/bench/temp")
    for i in range(n):
        msg = '{"n":"temp","u":"Cel","v":%g,"t":%.3f}' % (21.5 + 0.5 * i, t0 + 0.01 * i)
        pid = i % 65535 + 1
        body = topic + struct.pack("!H", pid) + msg.encode()
        s.sendall(bytes([0x32]) + rlen(len(body)) + body)
        t, b = read_packet(s)
        if t == 4 and struct.unpack("!H", b[:2])[0] == pid:
            acks += 1
        time.sleep(interval)
    s.sendall(bytes([0xE0, 0]))
    s.close()
    print(acks)


if __name__ == "__main__":
    main()
