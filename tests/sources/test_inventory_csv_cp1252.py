"""inventory_csv: a cp1252 export (Excel's "CSV" on Swedish Windows) is read correctly."""

from __future__ import annotations

from pathlib import Path

from tests.sources.inventory_files import collect, device_names, inventory_config, write


def test_cp1252_names(tmp_path: Path) -> None:
    content = "Datornamn;Kommun\r\nLAXÅ-PC01;Laxå\r\nÖREBRO-PC02;Hallsberg\r\n"
    write(tmp_path / "cmdb.csv", content.encode("cp1252"))
    names = device_names(collect(inventory_config(tmp_path))[0])
    assert names == ["LAXÅ-PC01", "ÖREBRO-PC02"]


def test_utf8_with_bom(tmp_path: Path) -> None:
    write(tmp_path / "cmdb.csv", "\ufeffName\nLAXÅ-PC01\n".encode())
    names = device_names(collect(inventory_config(tmp_path))[0])
    assert names == ["LAXÅ-PC01"]
