"""Load on the trust portal: SESSIONS people reading a trust's page over and over while UPLOADS large files are
checked at once, each followed to its outcome. Prints the page latencies (p50, p95, p99, max), the uploads' outcomes
and times, and the portal's peak RSS (VmHWM of PID).

    [PAGE=/path] portal_load.py BASE PID FILE EMAIL PASSWORD [SESSIONS] [UPLOADS] [SECONDS]
"""

import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid


def request(base, method, path, headers=None, body=None):
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response, data


def login(base, email, password):
    response, page = request(base, "GET", "/login")
    token = re.search(rb'name="csrf" value="([^"]*)"', page).group(1).decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    form = urllib.parse.urlencode({"email": email, "password": password, "csrf": token})
    response, _ = request(base, "POST", "/login", {"Cookie": cookie, "Content-Type":
                                                   "application/x-www-form-urlencoded"}, form)
    assert response.status == 303, response.status
    return response.getheader("Set-Cookie").split(";")[0]


def main():
    base, pid, file, email, password = sys.argv[1:6]
    sessions = int(sys.argv[6]) if len(sys.argv) > 6 else 50
    uploads = int(sys.argv[7]) if len(sys.argv) > 7 else 5
    seconds = float(sys.argv[8]) if len(sys.argv) > 8 else 60
    # A trust's page by default, the heaviest: its month, score chart, reports and figures beside its ICB and
    # England. PAGE=/check reads the lightest (the session and a form), as a baseline.
    page = os.environ.get("PAGE", "/trusts/RY2")
    cookies = [login(base, email, password) for _ in range(sessions + uploads)]
    latencies, failures, lock = [], [], threading.Lock()
    stop = threading.Event()
    data = open(file, "rb").read()
    name = file.rsplit("/", 1)[-1]

    def reader(cookie):
        while not stop.is_set():
            started = time.monotonic()
            response, _ = request(base, "GET", page, {"Cookie": cookie})
            with lock:
                latencies.append((started, time.monotonic() - started))
                if response.status != 200:
                    failures.append(response.status)

    results, stored_at = [], []

    def uploader(cookie):
        response, page = request(base, "GET", "/check", {"Cookie": cookie})
        token = re.search(rb'name="csrf" value="([^"]*)"', page).group(1)
        boundary = "----load" + uuid.uuid4().hex
        # The form as three pieces, the file's bytes not copied: joining them would hold the interpreter for a
        # 100 MB copy, and every reader's clock with it.
        head = (b"--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n' + token +
                b"\r\n--" + boundary.encode() + b'\r\nContent-Disposition: form-data; name="file"; filename="' +
                name.encode() + b'"\r\nContent-Type: text/csv\r\n\r\n')
        tail = b"\r\n--" + boundary.encode() + b"--\r\n"
        started = time.monotonic()
        response, _ = request(base, "POST", "/check", {
            "Cookie": cookie, "Content-Type": "multipart/form-data; boundary=" + boundary,
            "Content-Length": str(len(head) + len(data) + len(tail))}, [head, data, tail])
        location = response.getheader("Location")
        stored = time.monotonic() - started
        with lock:
            stored_at.append(time.monotonic())
        # The upload is answered once the file is stored; the check then waits its turn. Follow it to its outcome.
        state = {"state": f"HTTP {response.status}"}
        while response.status == 303 and location:
            answer, text = request(base, "GET", location + "/state", {"Cookie": cookie})
            state = json.loads(text)
            if state.get("done"):
                break
            time.sleep(0.5)
        with lock:
            results.append((state.get("state"), location, stored, time.monotonic() - started))

    readers = [threading.Thread(target=reader, args=(c,)) for c in cookies[:sessions]]
    writers = [threading.Thread(target=uploader, args=(c,)) for c in cookies[sessions:]]
    for t in readers:
        t.start()
    time.sleep(2)
    window = [time.monotonic()]
    for t in writers:
        t.start()
    for t in writers:
        t.join()
    window.append(time.monotonic())
    time.sleep(max(0, seconds - 2))
    stop.set()
    for t in readers:
        t.join()
    def report(label, values):
        values = sorted(values)

        def at(q):
            return values[min(len(values) - 1, int(q * len(values)))] * 1000

        print(f"{label}: pages {len(values)}; latency ms p50 {at(0.5):.1f} p95 {at(0.95):.1f} p99 {at(0.99):.1f} "
              f"max {values[-1] * 1000:.1f}")

    peak = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0].split()[1]
    print(f"pages not 200: {len(failures)}")
    if stored_at:
        report("while the uploads ran", [l for t, l in latencies if window[0] <= t <= window[1]])
        # The two phases of that window: the files arriving (parsed, hashed and written as they stream in), then
        # only being validated.
        report("  while the files arrived", [l for t, l in latencies if window[0] <= t <= max(stored_at)])
        report("  while they were checked", [l for t, l in latencies if max(stored_at) < t <= window[1]])
    report("whole run", [l for _, l in latencies])
    for state, location, stored, took in results:
        print(f"upload {len(data) >> 20} MiB: {state} {location}, stored in {stored:.1f} s, checked in {took:.1f} s")
    print(f"portal peak RSS {int(peak) / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
