Feature: Calendars are synced when switched on, and only calendars the user can edit
  Calendar sync is off until the administrator switches it on. Then each user's own
  default calendar arrives enabled for good, every other calendar they can edit
  arrives disabled with a switch they control, and read-only calendars never arrive.

  Background:
    Given the Entra users:
      | name         | calendars              |
      | Nina Holm    | Team, Private projects |
      | Megan Jordan | Board                  |
    And the Entra groups:
      | group    | members                 |
      | Employee | Nina Holm, Megan Jordan |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |

  @CAL-1
  Scenario: Nothing calendar-related happens while calendar sync is off
    Given the event "Standup" is in Nina Holm's Entra calendar "Calendar"
    When the sync runs
    And a day of scheduled runs passes
    Then Nina Holm has no calendars in Emply
    And Emply's calendar does not show the event "Standup" for Nina Holm

  @CAL-1 @CAL-2
  Scenario: Events of enabled calendars show in Emply, events of disabled ones do not
    Given the setting "calendar sync" is on
    And the event "Standup" is in Nina Holm's Entra calendar "Calendar"
    And the event "Hackathon" is in Nina Holm's Entra calendar "Team"
    When the sync runs
    And a day of scheduled runs passes
    Then Emply's calendar shows the event "Standup" for Nina Holm
    And Emply's calendar does not show the event "Hackathon" for Nina Holm
    When Nina Holm switches the Emply calendar "Team" on
    And a day of scheduled runs passes
    Then Emply's calendar shows the event "Hackathon" for Nina Holm

  @CAL-1 @CAL-2
  Scenario: An event made in Emply goes to each enabled Microsoft 365 calendar, once
    Given the setting "calendar sync" is on
    And the sync has run
    When the event "Onboarding" is made in Emply for Nina Holm
    And a day of scheduled runs passes
    Then Nina Holm's Entra calendar "Calendar" has the event "Onboarding" once
    And Nina Holm's Entra calendar "Team" does not have the event "Onboarding"
    And Emply's calendar shows the event "Onboarding" for Nina Holm
    When Nina Holm switches the Emply calendar "Team" on
    And a day of scheduled runs passes
    Then Nina Holm's Entra calendar "Team" has the event "Onboarding" once
    And Nina Holm's Entra calendar "Calendar" has the event "Onboarding" once
    And Emply's calendar shows the event "Onboarding" for Nina Holm

  @CAL-2
  Scenario: The default calendar arrives enabled, the others disabled
    Given the setting "calendar sync" is on
    When the sync runs
    Then Nina Holm's calendars in Emply are:
      | calendar         | enabled | can disable |
      | Calendar         | yes     | no          |
      | Team             | no      | yes         |
      | Private projects | no      | yes         |

  @CAL-2
  Scenario: The default calendar cannot be switched off
    Given the setting "calendar sync" is on
    And the sync has run
    When Nina Holm switches the Emply calendar "Calendar" off
    Then the request is refused with "default_calendar_cannot_be_disabled"
    And Nina Holm has the Emply calendar "Calendar" switched on

  @CAL-2
  Scenario Outline: A calendar shared with <rights> rights (<role>) <what happens>
    Given the calendar "Board" of Megan Jordan is shared with Nina Holm with the role "<role>"
    And the setting "calendar sync" is on
    When the sync runs
    Then <outcome>

    Examples:
      | rights | role                             | what happens        | outcome                                                      |
      | read   | read                             | never arrives       | Nina Holm does not have the Emply calendar "Board"           |
      | read   | freeBusyRead                     | never arrives       | Nina Holm does not have the Emply calendar "Board"           |
      | read   | limitedRead                      | never arrives       | Nina Holm does not have the Emply calendar "Board"           |
      | edit   | write                            | arrives switched off | Nina Holm has the Emply calendar "Board" switched off       |
      | edit   | delegateWithoutPrivateEventAccess | arrives switched off | Nina Holm has the Emply calendar "Board" switched off      |
      | edit   | delegateWithPrivateEventAccess   | arrives switched off | Nina Holm has the Emply calendar "Board" switched off       |

  @CAL-2
  Scenario: Calendar sync switched off for one person syncs nothing of theirs
    Given the Emply users:
      | name      |
      | Nina Holm |
    And the setting "calendar sync" is on
    And calendar sync is switched off for Nina Holm
    And the event "Standup" is in Nina Holm's Entra calendar "Calendar"
    When the sync runs
    And a day of scheduled runs passes
    Then Nina Holm has no calendars in Emply
    And Emply's calendar does not show the event "Standup" for Nina Holm
    And Megan Jordan has the Emply calendar "Board" switched off
