Feature: Removing the integration
  After the integration is removed no users are created from Entra groups, nothing is
  written to Entra, calendar sync stops and the Microsoft 365 events shown in Emply
  disappear. Users already created stay, with their data.

  Background:
    Given the Entra users:
      | name      |
      | Nina Holm |
      | Ole Berg  |
    And the Entra groups:
      | group    | members   |
      | Employee | Nina Holm |
    And the integration syncs these groups:
      | group    | role     |
      | Employee | Employee |
    And the setting "calendar sync" is on

  @INT-1
  Scenario: After removal nothing is synced any more and Microsoft 365 events leave Emply
    Given the event "Standup" is in Nina Holm's Entra calendar "Calendar"
    And the sync has run
    And a day of scheduled runs has passed
    Then Emply's calendar shows the event "Standup" for Nina Holm
    When the integration is removed
    Then the integration is not set up
    And Emply's calendar does not show the event "Standup" for Nina Holm
    And Nina Holm is active in Emply
    And Nina Holm has the roles Employee
    And Nina Holm's first name in Emply is "Nina"
    When Ole Berg joins the Entra group "Employee"
    And 60 minutes pass
    And a sync is asked for
    Then the request is refused with "integration_not_configured"
    And Emply has no user for Ole Berg
    And the integration has written nothing to Entra
