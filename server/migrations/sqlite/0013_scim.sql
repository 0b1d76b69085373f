-- SCIM provisioning (docs/scim.md).
-- What an identity provider sent that the directory keeps but does not use (the Enterprise
-- User's employeeNumber, manager, …): a JSON object, returned as sent.
ALTER TABLE users ADD COLUMN scim_extension TEXT;
-- An identity provider's own ID of an access group it pushed (a SCIM Group's externalId).
ALTER TABLE access_groups ADD COLUMN scim_external_id TEXT;
-- A person an identity provider deleted while the site keeps leavers deactivated: still in
-- the directory, gone for SCIM (RFC 7644 §3.6: 404 from then on).
ALTER TABLE users ADD COLUMN scim_deleted_at BIGINT;
-- The site's rule for leavers: `suspend` (active false suspends, DELETE deletes) or
-- `deactivate` (both deactivate: the record stays, groups and rank cleared).
ALTER TABLE sites ADD COLUMN scim_leavers TEXT NOT NULL DEFAULT 'suspend'
    CHECK (scim_leavers IN ('suspend', 'deactivate'));
