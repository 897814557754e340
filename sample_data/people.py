"""Synthetic trainees: invented Vietnamese names and fake, unique CCCD-shaped IDs."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sample_data.geography import PROVS

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh")
MIDDLE_M = ("Văn", "Hữu", "Minh", "Quốc", "Thanh", "Công", "Đức", "Hoàng")
MIDDLE_F = ("Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích")
GIVEN_M = ("Hùng", "Dũng", "Tuấn", "Phong", "Long", "Khang", "Tài", "Phúc", "Nam", "Bình", "Hiếu", "Lợi", "Thắng", "Trung", "Toàn", "Nghĩa", "Khoa", "Định")
GIVEN_F = ("Lan", "Hoa", "Hương", "Mai", "Nhung", "Thảo", "Trang", "Hằng", "Yến", "Ngân", "Diễm", "Thủy", "Tuyết", "Loan", "Phượng", "Nhàn", "Ánh", "Vân")
# ethnic minority names of the highlands (Xơ Đăng, Ba Na, Gia Rai in Kon Tum; Hmông, Dao, Tày in Lào Cai and Yên Bái)
KT_M = ("A Blong", "A Thuật", "A Hiên", "A Tuấn", "A Phiên", "A Khoa", "A Sang")
KT_F = ("Y Nhung", "Y Hiên", "Y Bình", "Y Khuyên", "Y Liên", "Y Thanh", "Y Mai")
NORTH_SUR = ("Giàng", "Sùng", "Vàng", "Lò", "Lù", "Thào", "Hoàng", "Triệu", "Lục")
NORTH_MID_M, NORTH_MID_F = ("A", "Seo", "Văn", "Láo"), ("Thị", "Thị", "Seo")
NORTH_GIVEN_M, NORTH_GIVEN_F = ("Páo", "Sử", "Chứ", "Dế", "Pao", "Lềnh", "Sình"), ("Mai", "Dua", "Chá", "Mỷ", "Sú", "Lan", "Pà")


@dataclass(frozen=True)
class Person:
    """A synthetic trainee: a fake 12-digit ID and a synthetic name."""

    person_id: str
    full_name: str
    prov: str
    role: str
    facility_id: str | None


def _name(rng: random.Random, key: str, female: bool) -> str:
    if key == "KT" and rng.random() < 0.35:
        return rng.choice(KT_F if female else KT_M)
    if key in ("LC", "YB") and rng.random() < 0.4:
        mid = rng.choice(NORTH_MID_F if female else NORTH_MID_M)
        given = rng.choice(NORTH_GIVEN_F if female else NORTH_GIVEN_M)
        return f"{rng.choice(NORTH_SUR)} {mid} {given}"
    mid = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    return f"{rng.choice(SURNAMES)} {mid} {given}"


class People:
    """Makes persons with unique fake IDs: birth-province code (3), sex/century (1), birth year (2), serial (6)."""

    def __init__(self) -> None:
        self.ids: list[str] = []

    def make(self, rng: random.Random, key: str, role: str, facility_id: str | None, born: tuple[int, int]) -> Person:
        female = rng.random() < (0.75 if role == "family" else 0.6)
        while True:
            year = rng.randint(*born)
            century = (0 if year < 2000 else 2) + (1 if female else 0)
            pid = f"{int(PROVS[key].old_code):03d}{century}{year % 100:02d}{rng.randint(0, 999_999):06d}"
            if pid not in self.ids:
                self.ids.append(pid)
                return Person(pid, _name(rng, key, female), key, role, facility_id)
