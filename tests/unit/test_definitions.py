"""The code location `dagster dev` loads: groups are the layers, every asset is described."""

import dagster as dg

from pipelines.definitions import defs

LAYERS = {"ingest", "seeds", "staging", "intermediate", "marts", "indicators", "reports", "publish"}


def test_groups_are_layers_and_every_asset_has_a_description():
    nodes = list(defs.resolve_asset_graph().asset_nodes)
    assert {n.group_name for n in nodes} == LAYERS
    assert [n.key.to_user_string() for n in nodes if not (n.description or "").strip()] == []


def test_publish_depends_on_every_other_asset():
    graph = defs.resolve_asset_graph()
    publish = graph.get(dg.AssetKey(["warehouse"]))
    others = set(graph.get_all_asset_keys()) - {publish.key}
    assert set(publish.parent_keys) == others


def test_published_marts_are_where_the_contract_says():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"marts/indicator_values", "marts/target_vs_actual"} <= keys
