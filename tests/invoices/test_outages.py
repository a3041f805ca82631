"""Creation is atomic with the workflow start (API.md, ARCHITECTURE "Who owns what"): with
MySQL unreachable, POST /invoices answers 503 (not 500) and no workflow is left behind. MySQL
"goes down" through a pausable TCP proxy, so the driver sees real connection errors."""

from __future__ import annotations

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from api.app import create_app
from db.models import Invoice
from tests.conftest import make_settings
from tests.invoices.helpers import invoice_body
from tests.support.tcp_proxy import TcpProxy


async def test_mysql_down_is_503_and_leaves_no_workflow(
    app, settings, database_url, temporal_env, admin_headers, tenant_id
):
    proxy = TcpProxy("127.0.0.1", make_url(database_url).port or 3306)
    await proxy.start()
    proxied_url = make_url(database_url).set(port=proxy.port).render_as_string(hide_password=False)
    outage_app = create_app(
        make_settings(
            proxied_url,
            settings.temporal_address,
            temporal_task_queue=settings.temporal_task_queue,
            api_key_status_ttl_seconds=2.0,
        )
    )
    transport = httpx.ASGITransport(app=outage_app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://outage") as http:
            created = await http.post(
                "/api-keys",
                json={"tenant_id": tenant_id, "name": "outage"},
                headers=admin_headers,
            )
            headers = {"X-API-Key": created.json()["key"]}
            assert (await http.get("/gateways", headers=headers)).status_code == 200
            await proxy.refuse()
            body = invoice_body()
            response = await http.post("/invoices", json=body, headers=headers)
            assert response.status_code == 503, response.text
            envelope = response.json()
            assert envelope["error"]["code"] == "service_unavailable"
            assert envelope["request_id"] == response.headers["x-request-id"]
            health = await http.get("/health")
            assert health.status_code == 503
            assert health.json()["checks"]["database"].startswith("unavailable")
            await proxy.restore()
    finally:
        await proxy.stop()
        await outage_app.state.services.engine.dispose()
    async with app.state.services.sessions() as session:
        rows = (
            await session.execute(
                select(func.count()).select_from(Invoice).where(Invoice.tenant_id == tenant_id)
            )
        ).scalar_one()
    assert rows == 0
    workflows = [
        wf
        async for wf in temporal_env.client.list_workflows(
            f"WorkflowType='InvoiceWorkflow' AND TenantId='{tenant_id}'"
        )
    ]
    assert workflows == []
