"""FAB's user, tied to a unit (unit users) or a region (police), as in FAB's extendsecurity."""
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship


class AppUser(User):
    unit_id = Column(Integer, ForeignKey("unit.id"))
    region_code = Column(String(6), ForeignKey("region.code"))
    phone = Column(String(20))
    must_change_password = Column(Boolean, nullable=False, default=False, server_default="0")

    unit = relationship("Unit")
    region = relationship("Region")

    def get_full_name(self):
        # Chinese order: family name first, no space (袁美玲, not 美玲 袁).
        return f"{self.last_name or ''}{self.first_name or ''}" or self.username
