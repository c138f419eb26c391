"""Models by domain. Importing this package registers every table on FAB's metadata."""
from .base import Model  # noqa: F401
from .region import Region  # noqa: F401
from .unit import Unit  # noqa: F401
from .person import Certificate, Person  # noqa: F401
from .employment import Employment  # noqa: F401
from .dispatch import Dispatch, Service, ServiceTarget, TargetCategory  # noqa: F401
from .conduct import ConductRecord  # noqa: F401
from .person_records import (EquipmentIssue, ExamResult, PoliceAssistance,  # noqa: F401
                             SocialRelation, TrainingRecord, WorkExperience)
from .audit import ChangeLog, ExportLog  # noqa: F401
from .user import AppUser  # noqa: F401
from .registry import PopulationRecord, RegistryLookup  # noqa: F401
from .unit_records import (AnnualReport, Incident, Inspection, Investor, TemporaryEvent,  # noqa: F401
                           UnitAsset, UnitChange, UnitDocument)
from .screening import BackgroundAlert, IdentityCheck, ScreeningEvent, WatchListEntry  # noqa: F401
from .application import (Application, ApplicationDocument, ApplicationEvent,  # noqa: F401
                          CrossProvinceFiling, SmsMessage)
from .account import SecurityState, UserSession  # noqa: F401
from .system import (ApplicationItem, CalendarDay, DictItem, LogChain, LoginLog,  # noqa: F401
                     OperationLog, Setting, SettingsVersion)
from .notice import Announcement, AnnouncementAttachment, AnnouncementRead  # noqa: F401
from .register import PublicQuery  # noqa: F401
from .staff_import import StaffImport  # noqa: F401
from .job import Job  # noqa: F401
from .todo import Todo, TodoRead  # noqa: F401
from .credit import CreditGrade  # noqa: F401
from .stats import StatCount, StatRefresh, StatSnapshot  # noqa: F401
