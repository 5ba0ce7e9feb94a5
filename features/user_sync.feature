Feature: Users are synced from the Entra groups
  Every 30 minutes, or when someone asks, the sync reads the synced Entra groups and
  brings Emply's users in line: it creates users, matches existing ones by e-mail,
  and deactivates — always with a reason — those who should no longer have access.

  Background:
    Given the Entra tenant "Contoso" with the domains contoso.com and contoso.dk
    And the Entra users:
      | name         | email                    | job title  |
      | Ray Ross     | ray.ross@contoso.com     | CFO        |
      | Megan Jordan | megan.jordan@contoso.com | HR partner |
      | Nina Holm    | nina.holm@contoso.dk     | Developer  |
    And the Entra groups:
      | group    | members                           |
      | Employee | Ray Ross, Megan Jordan, Nina Holm |
      | HR       | Megan Jordan                      |
    And the Emply departments Staff and People
    And the integration syncs these groups:
      | group    | role     | department | language | time zone         | currency |
      | Employee | Employee | Staff      | da       | Europe/Copenhagen | DKK      |
      | HR       | HR       | People     | en       | Europe/London     | GBP      |

  # -- SYNC-1 ---------------------------------------------------------------------------
  @SYNC-1
  Scenario: An Emply user is matched by e-mail, whatever the letter case
    Given the Emply users:
      | name         | email                    | roles   |
      | Megan Jordan | Megan.Jordan@CONTOSO.com | Manager |
    When the sync runs
    Then Emply has exactly one user for Megan Jordan
    And Megan Jordan's Emply user is linked to their Entra user
    And Megan Jordan's first name in Emply is "Megan"

  @SYNC-1
  Scenario: Once linked, a changed e-mail in Entra does not break the link
    Given the sync has run
    When Nina Holm's e-mail is changed to "nina.h@contoso.dk" in Entra
    And the sync runs
    Then Emply has exactly one user for Nina Holm
    And Nina Holm is active in Emply
    And Nina Holm's Emply user is linked to their Entra user

  @SYNC-1
  Scenario: Without a mail address the user principal name is the e-mail
    Given the Entra users:
      | name     | email                | mail |
      | Ole Berg | ole.berg@contoso.com | none |
    And the Entra groups:
      | group    | members  |
      | Employee | Ole Berg |
    And the Emply users:
      | name     | email                | roles   |
      | Ole Berg | OLE.BERG@contoso.com | Manager |
    When the sync runs
    Then Emply has exactly one user for Ole Berg
    And Ole Berg's Emply user is linked to their Entra user

  # -- SYNC-2 ---------------------------------------------------------------------------
  @SYNC-2
  Scenario: The sync runs by itself every 30 minutes of simulated time
    When 29 minutes pass
    Then the run log shows 0 runs started by the schedule
    When 1 more minute passes
    Then the run log shows 1 runs started by the schedule
    And Nina Holm is active in Emply
    When 30 more minutes pass
    Then the run log shows 2 runs started by the schedule

  @SYNC-2
  Scenario: Slots a jump of the clock skips coalesce into one run at the new time
    When 30 minutes pass
    Then the run log shows 1 runs started by the schedule
    When 7 days pass at once
    Then the run log shows 2 runs started by the schedule
    And the latest run in the run log ended "success"
    And Nina Holm is active in Emply

  @SYNC-2
  Scenario: A sync asked for while another is running is answered "already running"
    When Graph answers requests to "/groups" slowly
    And a sync is asked for while another run is under way
    Then the request is refused with "sync_already_running"
    And the refusal says "already"
    And the run under way finishes normally

  # -- SYNC-3 and SYNC-8 -------------------------------------------------------------------
  @SYNC-3
  Scenario: Leaving every synced group deactivates, rejoining reactivates
    Given the sync has run
    When Megan Jordan leaves the Entra group "Employee"
    And the sync runs
    Then Megan Jordan is active in Emply
    When Megan Jordan leaves the Entra group "HR"
    And the sync runs
    Then Megan Jordan is deactivated in Emply
    And Megan Jordan is in the list of deactivated users
    When Megan Jordan joins the Entra group "HR" again
    And the sync runs
    Then Megan Jordan is active in Emply
    And Megan Jordan is not in the list of deactivated users

  @SYNC-3
  Scenario: A user deactivated by hand in Emply stays deactivated
    Given the sync has run
    When Megan Jordan is deactivated by hand in Emply
    And the sync runs 2 times
    Then Megan Jordan is deactivated with the reason "manual"

  @SYNC-3 @SYNC-8
  Scenario: An account disabled in Entra deactivates, and enabling it reactivates
    Given the sync has run
    When Nina Holm's Entra account is disabled
    And the sync runs
    Then Nina Holm is deactivated with the reason "disabled_in_entra"
    When Nina Holm's Entra account is enabled again
    And the sync runs
    Then Nina Holm is active in Emply

  @SYNC-3 @SYNC-8 @DEL-1
  Scenario: A user restored from Entra's deleted users is reactivated
    Given the sync has run
    When Nina Holm is deleted in Entra
    And the sync runs
    Then Nina Holm is deactivated with the reason "deleted_in_entra"
    When Nina Holm is restored from Entra's deleted users
    And the sync runs
    Then Nina Holm is active in Emply

  @SYNC-8
  Scenario Outline: Every deactivation carries its reason: <reason>
    Given the Emply users:
      | name     | connected to an employee |
      | Ray Ross | yes                      |
    And the sync has run
    When <cause>
    And the sync runs
    Then <person> is deactivated with the reason "<reason>"
    And <person> is in the list of deactivated users

    Examples:
      | reason                         | person       | cause                                                   |
      | left_synced_groups             | Nina Holm    | Nina Holm leaves the Entra group "Employee"             |
      | group_removed_from_integration | Nina Holm    | the group "Employee" is taken out of the integration    |
      | deleted_in_entra               | Nina Holm    | Nina Holm is deleted in Entra                           |
      | disabled_in_entra              | Megan Jordan | Megan Jordan's Entra account is disabled                |
      | employee_archived              | Ray Ross     | Ray Ross's employee leaves on 2026-01-06 and the day comes |

  # -- SYNC-7 ---------------------------------------------------------------------------
  @SYNC-7
  Scenario: An employee without a user account gets an error, then is connected once an account exists
    Given the Entra users:
      | name     | email                |
      | Ida Berg | ida.berg@contoso.com |
    And the Entra groups:
      | group    | members  |
      | Employee | Ida Berg |
    And the Emply employees without a user account:
      | name     | email                | job title |
      | Ida Berg | ida.berg@contoso.com | Designer  |
    When the sync runs
    Then the run reports an error for Ida Berg saying "account"
    And Emply has no user for Ida Berg
    When an account is created in Emply for the employee Ida Berg
    And the sync runs
    Then Ida Berg's Emply user is linked to their Entra user
    And the run log has a "link_user" change for Ida Berg under the rule "SYNC-1"

  # -- SYNC-10 --------------------------------------------------------------------------
  @SYNC-10
  Scenario: The first run creates the user from Entra's data, later Entra changes do not reach Emply
    When the sync runs
    Then Nina Holm's first name in Emply is "Nina"
    And Nina Holm's last name in Emply is "Holm"
    When Nina Holm's first name is changed to "Nanna" in Entra
    And Nina Holm's job title is changed to "CTO" in Entra
    And the sync runs
    Then Nina Holm's first name in Emply is "Nina"

  # -- SYNC-12 --------------------------------------------------------------------------
  @SYNC-12
  Scenario: A new user in several groups gets the first group's defaults and every group's role
    When the sync runs
    Then Megan Jordan has the roles Employee and HR
    And Megan Jordan's department in Emply is "Staff"
    And Megan Jordan's language in Emply is "da"
    And Megan Jordan's time zone in Emply is "Europe/Copenhagen"
    And Megan Jordan's currency in Emply is "DKK"

  @SYNC-12
  Scenario: Group defaults are used only when the user is created
    Given the Emply users:
      | name         | department |
      | Megan Jordan | People     |
    When the sync runs
    Then Megan Jordan's department in Emply is "People"
    And Megan Jordan's language in Emply is empty

  # -- SYNC-13 --------------------------------------------------------------------------
  @SYNC-13
  Scenario: Members of a nested group are not synced, and one person is one user
    Given the Entra users:
      | name     | email                |
      | Ole Berg | ole.berg@contoso.com |
    And the Entra groups:
      | group       | members     |
      | Contractors | Ole Berg    |
      | Employee    | Contractors |
    When the sync runs
    Then Emply has no user for Ole Berg
    And Emply has exactly one user for Megan Jordan
