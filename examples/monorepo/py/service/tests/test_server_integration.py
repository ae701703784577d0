import threading
import urllib.error
import urllib.request

import pytest

from acme_service import make_server


@pytest.mark.integration
def test_server_serves_the_demo_order_over_http():
    server = make_server(port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(f"{base}/order", timeout=5) as resp:
            assert resp.status == 200
            assert "total 9.00 EUR" in resp.read().decode()
        with pytest.raises(urllib.error.HTTPError) as excinfo:
            urllib.request.urlopen(f"{base}/missing", timeout=5)
        assert excinfo.value.code == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
