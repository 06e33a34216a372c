"""Memory of a server that 200 students visited: is the state of sessions that went away freed?

Starts `streamlit run` with the app's own config (.streamlit/config.toml), opens N sessions one
after another through Streamlit's WebSocket protocol (with Streamlit's own protobuf messages,
as a browser tab does), each running the Draw page once and closing, and prints the server's
resident memory (RSS): after one warm-up session, right after the N sessions, and once the
server has dropped the disconnected sessions (server.disconnectedSessionTTL, plus a margin).

    python -m benchmarks.sessions --sessions 200
"""

from __future__ import annotations

import argparse
import asyncio
import time

import psutil
import websockets
from streamlit import config
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from benchmarks.server import app_server


async def one_session(url: str) -> float:
    """Open a session, run the first page once, close it; seconds it took."""
    started = time.perf_counter()
    async with websockets.connect(url.replace("http", "ws") + "/_stcore/stream",
                                  subprotocols=["streamlit"], max_size=None) as socket:
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = ""
        await socket.send(message.SerializeToString())
        while True:
            reply = ForwardMsg.FromString(await socket.recv())
            if reply.WhichOneof("type") == "script_finished":
                break
    return time.perf_counter() - started


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    args = parser.parse_args()
    config.get_config_options(force_reparse=True, options_from_flags={})
    ttl = config.get_option("server.disconnectedSessionTTL")
    with app_server() as (url, pid):
        asyncio.run(one_session(url))
        time.sleep(2)
        before = rss_mb(pid)
        durations, peak = [], before
        for _ in range(args.sessions):
            durations.append(asyncio.run(one_session(url)))
            peak = max(peak, rss_mb(pid))
        after = rss_mb(pid)
        time.sleep(ttl + 30)  # the server frees disconnected sessions after this TTL
        asyncio.run(one_session(url))  # one more visit, as the next student
        settled = rss_mb(pid)
    durations.sort()
    print(f"sessions: {args.sessions} (each: connect, run the Draw page, close); "
          f"median {durations[len(durations) // 2] * 1000:.0f} ms per session")
    print(f"server RSS: after 1 warm-up session {before:.0f} MB; peak {peak:.0f} MB; "
          f"right after the {args.sessions} sessions {after:.0f} MB; "
          f"{ttl + 30} s later (disconnectedSessionTTL {ttl} s) {settled:.0f} MB; "
          f"growth {settled - before:+.0f} MB")


if __name__ == "__main__":
    main()
