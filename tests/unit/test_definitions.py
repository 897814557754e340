"""The code location `dagster dev` loads: groups are the layers, every asset is described."""

import dagster as dg

from pipelines.definitions import defs

LAYERS = ("ingest", "seeds", "staging", "intermediate", "marts", "reports", "publish")
"""The layers in the order data flows through them, as the UI's asset groups."""


def test_every_asset_has_a_description():
    nodes = list(defs.resolve_asset_graph().asset_nodes)
    assert [n.key.to_user_string() for n in nodes if not (n.description or "").strip()] == []


def test_the_seed_tables_are_in_the_seeds_group():
    seeds = {n.key.to_user_string(): n.group_name for n in defs.resolve_asset_graph().asset_nodes
             if n.key.path[0] == "seeds"}
    assert len(seeds) == 5 and set(seeds.values()) == {"seeds"}


def test_groups_are_the_layers_in_the_order_data_flows():
    graph = defs.resolve_asset_graph()
    nodes = list(graph.asset_nodes)
    assert {n.group_name for n in nodes} == set(LAYERS)
    for node in nodes:  # a schema's tables are in the group of that layer
        schema = node.key.path[0]
        if schema in LAYERS:
            assert node.group_name == schema, node.key.to_user_string()
    backwards = [
        (parent.to_user_string(), node.key.to_user_string())
        for node in nodes
        for parent in node.parent_keys
        if LAYERS.index(graph.get(parent).group_name) > LAYERS.index(node.group_name)
    ]
    assert backwards == []


def test_publish_depends_on_every_other_asset():
    graph = defs.resolve_asset_graph()
    publish = graph.get(dg.AssetKey(["warehouse"]))
    others = set(graph.get_all_asset_keys()) - {publish.key}
    assert set(publish.parent_keys) == others


def test_published_marts_are_where_the_contract_says():
    keys = {k.to_user_string() for k in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"marts/indicator_values", "marts/target_vs_actual"} <= keys
